package telegram

import (
	"context"
	"testing"
	"time"
)

// clock is a manual clock for limiter tests.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestLimiterWindow(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newLimiter(Rate{20, time.Minute}, c.now)
	for i := 0; i < 20; i++ {
		if d := l.reserve(-1); d != 0 {
			t.Fatalf("message %d in a fresh minute waits %v", i+1, d)
		}
		c.advance(time.Second)
	}
	// 20 sent in the last 20 seconds: the 21st waits until the first is
	// a minute old.
	if d := l.reserve(-1); d != 40*time.Second {
		t.Errorf("21st message waits %v, want 40s", d)
	}
	if d := l.reserve(-2); d != 0 {
		t.Errorf("another chat waits %v, want 0", d)
	}
	c.advance(40 * time.Second)
	if d := l.reserve(-1); d != 0 {
		t.Errorf("after the window slid: waits %v, want 0", d)
	}
}

func TestLimiterWaitSleepsUntilAllowed(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newLimiter(Rate{1, time.Second}, c.now)
	var slept []time.Duration
	sleep := func(ctx context.Context, d time.Duration) error {
		slept = append(slept, d)
		c.advance(d)
		return nil
	}
	for i := 0; i < 3; i++ {
		if err := l.wait(context.Background(), 42, sleep); err != nil {
			t.Fatal(err)
		}
	}
	if len(slept) != 2 || slept[0] != time.Second || slept[1] != time.Second {
		t.Errorf("slept %v, want one second before each of the 2nd and 3rd messages", slept)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.wait(ctx, 42, sleepCtx); err == nil {
		t.Errorf("wait with a cancelled context returned nil")
	}
}

func TestFloodControl(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	f := newFloodControl(Rate{20, time.Minute}, c.now)
	type result struct{ ok, warn bool }
	var got []result
	for i := 0; i < 23; i++ {
		ok, warn := f.allow("u1")
		got = append(got, result{ok, warn})
	}
	for i := 0; i < 20; i++ {
		if !got[i].ok {
			t.Fatalf("request %d refused within the burst", i+1)
		}
	}
	if got[20] != (result{false, true}) || got[21] != (result{false, false}) || got[22] != (result{false, false}) {
		t.Errorf("after the burst: %v, want one warning then silence", got[20:])
	}
	if ok, _ := f.allow("u2"); !ok {
		t.Errorf("another user is limited too")
	}
	c.advance(3 * time.Second) // one token: 20 per minute
	if ok, _ := f.allow("u1"); !ok {
		t.Errorf("no token after 3 seconds")
	}
	if ok, warn := f.allow("u1"); ok || !warn {
		t.Errorf("dry again: ok=%v warn=%v, want a new warning", ok, warn)
	}
}

func TestSeenSet(t *testing.T) {
	s := newSeenSet(3)
	for _, id := range []int64{1, 2, 3} {
		if !s.add(id) {
			t.Fatalf("%d reported as seen", id)
		}
	}
	if s.add(2) {
		t.Errorf("2 not reported as seen")
	}
	s.add(4) // evicts 1
	if !s.add(1) {
		t.Errorf("1 still remembered beyond capacity")
	}
}
