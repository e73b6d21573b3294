package telegram

import (
	"context"
	"sync"
	"time"
)

// window allows at most rate.N events in any rate.Per: a sliding log of
// event times, exact where a token bucket would allow a double burst at a
// refill boundary ("20 messages per minute" in a group is a hard limit).
type window struct {
	rate  Rate
	times []time.Time // oldest first, all within the last rate.Per
}

// reserve records an event at now and returns 0 if the rate allows it, or
// returns how long to wait before trying again.
func (w *window) reserve(now time.Time) time.Duration {
	cut := 0
	for cut < len(w.times) && now.Sub(w.times[cut]) >= w.rate.Per {
		cut++
	}
	w.times = w.times[cut:]
	if len(w.times) < w.rate.N {
		w.times = append(w.times, now)
		return 0
	}
	return w.rate.Per - now.Sub(w.times[0])
}

func (w *window) idle(now time.Time) bool {
	return len(w.times) == 0 || now.Sub(w.times[len(w.times)-1]) >= w.rate.Per
}

// limiter keeps one window per key (chat) or a single one (key 0 when
// built with global).
type limiter struct {
	mu      sync.Mutex
	rate    Rate
	now     func() time.Time
	windows map[int64]*window
}

func newLimiter(rate Rate, now func() time.Time) *limiter {
	return &limiter{rate: rate, now: now, windows: map[int64]*window{}}
}

func (l *limiter) reserve(key int64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w := l.windows[key]
	if w == nil {
		if len(l.windows) >= 10000 {
			// Forget chats quiet for a whole window: they start afresh
			// anyway.
			for k, w := range l.windows {
				if w.idle(now) {
					delete(l.windows, k)
				}
			}
		}
		w = &window{rate: l.rate}
		l.windows[key] = w
	}
	return w.reserve(now)
}

// wait blocks until key may send, or ctx is done.
func (l *limiter) wait(ctx context.Context, key int64, sleep func(context.Context, time.Duration) error) error {
	for {
		d := l.reserve(key)
		if d <= 0 {
			return nil
		}
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
}

// sleepCtx sleeps for d unless ctx is done first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// floodControl is a token bucket per user: rate.N requests, refilled
// evenly over rate.Per. A user who runs dry is told once, then ignored
// until the bucket refills, so that a flood costs one message, not one per
// request.
type floodControl struct {
	mu      sync.Mutex
	rate    Rate
	now     func() time.Time
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
	warned bool
}

func newFloodControl(rate Rate, now func() time.Time) *floodControl {
	return &floodControl{rate: rate, now: now, buckets: map[string]*bucket{}}
}

// allow takes a token for user. When none is left it reports whether this
// is the first refusal since the user last had one, so the caller warns
// once.
func (f *floodControl) allow(user string) (ok, warn bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	capacity := float64(f.rate.N)
	perToken := f.rate.Per / time.Duration(f.rate.N)
	b := f.buckets[user]
	if b == nil {
		if len(f.buckets) >= 10000 {
			for k, b := range f.buckets {
				if now.Sub(b.last) >= f.rate.Per {
					delete(f.buckets, k) // full again: same as new
				}
			}
		}
		b = &bucket{tokens: capacity, last: now}
		f.buckets[user] = b
	}
	if perToken > 0 {
		b.tokens += float64(now.Sub(b.last)) / float64(perToken)
	}
	if b.tokens > capacity {
		b.tokens = capacity
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		b.warned = false
		return true, false
	}
	if b.warned {
		return false, false
	}
	b.warned = true
	return false, true
}

// seenSet remembers the last n update ids, so that an update delivered
// twice (a webhook retried after a slow answer) is answered once.
type seenSet struct {
	mu   sync.Mutex
	ring []int64
	next int
	set  map[int64]struct{}
}

func newSeenSet(n int) *seenSet {
	return &seenSet{ring: make([]int64, n), set: make(map[int64]struct{}, n)}
}

// add reports whether id is new, remembering it.
func (s *seenSet) add(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.set[id]; ok {
		return false
	}
	if old := s.ring[s.next]; old != 0 {
		delete(s.set, old)
	}
	s.ring[s.next] = id
	s.next = (s.next + 1) % len(s.ring)
	s.set[id] = struct{}{}
	return true
}
