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

func TestNamesFilter(t *testing.T) {
	tests := []struct {
		names [][]string
		want  string
	}{
		{[][]string{{"vladimir", "putin"}}, `"vladimir" AND "putin"`},
		{[][]string{{"aisha", "sinclair"}, {"ellen", "c", "sinclair"}}, `"sinclair" AND (("aisha") OR ("ellen" AND "c"))`},
		{[][]string{{"sergey", "lavrov"}, {"yuri", "ushakov"}}, `(("sergey" AND "lavrov") OR ("yuri" AND "ushakov"))`},
		// A name of the shared terms only matches whatever else the others have.
		{[][]string{{"sinclair"}, {"ana", "sinclair"}}, `"sinclair"`},
		{[][]string{{`o"neil`}}, `"o""neil"`},
	}
	for _, tt := range tests {
		if got := namesFilter(tt.names); got != tt.want {
			t.Errorf("namesFilter(%q) = %s, want %s", tt.names, got, tt.want)
		}
	}
}
