package data

import (
	"testing"

	"github.com/onrecord/onrecord/answers"
)

func TestSeedIsValid(t *testing.T) {
	recs, err := answers.ParseRecords(Statements())
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 {
		t.Fatal("no seed statements")
	}
	for _, r := range recs {
		if r.ID == 0 || r.SpeakerRole == "" || r.Source.IsZero() {
			t.Errorf("statement %q lacks an id, a role or a source", r.Text)
		}
	}
	for _, g := range Synonyms() {
		if len(g) < 2 {
			t.Errorf("synonym group %q has fewer than two terms", g)
		}
	}
}
