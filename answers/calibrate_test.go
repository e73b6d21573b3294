package answers_test

import (
	"context"
	"testing"

	"github.com/onrecord/onrecord/answers"
)

// TestCalibration sweeps the abstention thresholds over the project's
// evaluation set and checks that the defaults sit in the range that gets
// the most questions right: answered correctly, or abstained on when
// nothing on record answers them. Questions naming a known speaker are
// judged against SpeakerThreshold, the rest against Threshold.
func TestCalibration(t *testing.T) {
	e, _ := seedEngine(t)
	e.Threshold, e.SpeakerThreshold = 0, 0
	cases := readEval(t, "testdata/eval.jsonl")
	type point struct {
		score   float64 // best answer's score; -1 when it abstains anyway
		correct bool    // the best answer is one the case expects
		none    bool
	}
	var general, speaker []point
	for _, c := range cases {
		r, err := e.Ask(context.Background(), c.Q)
		if err != nil {
			t.Fatal(err)
		}
		p := point{score: -1, none: c.none}
		if len(r.Answers) > 0 {
			p.score, p.correct = r.Answers[0].Score, !c.none && c.matches(r.Answers[0])
		}
		if len(r.Speakers) > 0 {
			speaker = append(speaker, p)
		} else {
			general = append(general, p)
		}
	}
	right := func(ps []point, th float64) int {
		n := 0
		for _, p := range ps {
			answered := p.score >= th && p.score >= 0
			if (p.none && !answered) || (answered && p.correct) {
				n++
			}
		}
		return n
	}
	for _, c := range []struct {
		name string
		ps   []point
		def  float64
	}{
		{"Threshold", general, answers.DefaultThreshold},
		{"SpeakerThreshold", speaker, answers.DefaultSpeakerThreshold},
	} {
		best, lo, hi := -1, 0.0, 0.0
		for th := 0.05; th <= 0.951; th += 0.01 {
			switch n := right(c.ps, th); {
			case n > best:
				best, lo, hi = n, th, th
			case n == best:
				hi = th
			}
		}
		got := right(c.ps, c.def)
		t.Logf("%s: best %d/%d right for thresholds %.2f..%.2f; default %.2f gets %d", c.name, best, len(c.ps), lo, hi, c.def, got)
		if got < best {
			t.Errorf("%s %.2f gets %d/%d right; %.2f..%.2f gets %d: recalibrate", c.name, c.def, got, len(c.ps), lo, hi, best)
		}
	}
}
