package answers

import (
	"reflect"
	"testing"
)

func TestTerms(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"What did the US say?", []string{"usa"}},
		{"Putin’s June peace proposals", []string{"putin", "june", "peac", "propos"}},
		{"  Will   the U.S. back Zelensky?! ", []string{"usa", "back", "zelenski"}},
		{"Zelénsky’s NEGOTIATIONS", []string{"zelenski", "negoti"}},
		{"non-nuclear status", []string{"non", "nuclear", "status"}},
		{"cancelled canceled", []string{"cancel", "cancel"}},
		{"ｆｕｌｌｗｉｄｔｈ", []string{"fullwidth"}},
		{"\xff\xfeбинарный", []string{"бинарныи"}}, // diacritics go, even the breve of й
		{"<b>Lavrov</b> **said**", []string{"b", "lavrov", "b"}},
		{"", []string{}},
	}
	for _, tt := range tests {
		if got := Terms(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Terms(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNearDuplicate(t *testing.T) {
	long := "Moscow will immediately cease fire and declare its readiness for negotiations after the withdrawal of Ukrainian troops from the territory of new regions"
	tests := []struct {
		a, b string
		want bool
	}{
		{"Sanctions will not change our course.", "sanctions  will NOT change our course!", true},
		{"Sanctions will not change our course.", "Sanctions will never change our course.", false},
		{long, long + " of Russia", true},
		{long, "Moscow will immediately cease fire and declare its readiness for talks after the withdrawal of Ukrainian troops from the territory of new regions", true},
		{long, "Kyiv will immediately cease fire and refuse talks before the withdrawal of Russian troops from the territory of new regions", false},
		{"", "", true},
	}
	for _, tt := range tests {
		if got := NearDuplicate(tt.a, tt.b); got != tt.want {
			t.Errorf("NearDuplicate(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
