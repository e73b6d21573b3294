package store

import "testing"

func TestFTSQuery(t *testing.T) {
	tests := []struct {
		groups [][]string
		want   string
	}{
		{[][]string{{"peac"}, {"talk", "negoti"}}, `"peac" OR "talk" OR "negoti"`},
		// A phrase with a word that is an alternative on its own adds
		// nothing but the cost of reading positions.
		{[][]string{{"usa", "usa govern", "unit state"}}, `"usa" OR "unit state"`},
		{[][]string{{"russian feder"}, {"russian"}}, `"russian"`},
		{[][]string{{"cease fire"}, {"ceasefir"}}, `"cease fire" OR "ceasefir"`},
		{[][]string{{"talk"}, {"talk"}, {"talk*"}}, `"talk" OR "talk"*`},
		{[][]string{{`a"b`}}, `"a""b"`},
		{[][]string{{" "}}, ``},
	}
	for _, tt := range tests {
		if got := ftsQuery(tt.groups); got != tt.want {
			t.Errorf("ftsQuery(%q) = %s, want %s", tt.groups, got, tt.want)
		}
	}
}
