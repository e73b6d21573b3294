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
