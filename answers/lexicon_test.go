package answers

import "testing"

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		max  int
		want int
	}{
		{"lavorv", "lavrov", 2, 1},
		{"putn", "putin", 1, 1},
		{"joke", "june", 1, 2},
		{"zelenksi", "zelenski", 2, 1},
		{"asdfghjkl", "assist", 2, 3},
		{"abc", "abc", 1, 0},
		{"", "ab", 2, 2},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b, tt.max); got != tt.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.max, got, tt.want)
		}
	}
}
