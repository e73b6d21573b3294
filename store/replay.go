package store

import (
	"bytes"
	"errors"
	"io"
	"os"
)

// replay lets an import read its input twice: once to validate every line
// before anything is written, once to write. A file (anything that can
// seek) is read again from where it started. Anything else, a pipe or a
// buffer, is copied aside as the first pass reads it: in memory while it
// is small, in a temporary file beyond that, so that the memory an import
// needs does not grow with its input.
type replay struct {
	r      io.Reader // what the first pass reads
	seeker io.Seeker // the input, when it can seek
	start  int64     // where the input stood when the import began
	spool  spool
}

// spoolInMemory is how much of an input that cannot seek is kept in
// memory before it is spooled to a temporary file instead.
const spoolInMemory = 4 << 20

func newReplay(r io.Reader) (*replay, error) {
	if s, ok := r.(io.ReadSeeker); ok {
		// A pipe is an *os.File too, but cannot seek: ask.
		if at, err := s.Seek(0, io.SeekCurrent); err == nil {
			return &replay{r: r, seeker: s, start: at}, nil
		}
	}
	rp := &replay{}
	rp.r = io.TeeReader(r, &rp.spool)
	return rp, nil
}

// Read is the first pass.
func (rp *replay) Read(p []byte) (int, error) { return rp.r.Read(p) }

// again returns the same bytes from the start, for the second pass.
func (rp *replay) again() (io.Reader, error) {
	if rp.seeker != nil {
		if _, err := rp.seeker.Seek(rp.start, io.SeekStart); err != nil {
			return nil, err
		}
		return rp.r, nil
	}
	if rp.spool.err != nil {
		return nil, rp.spool.err
	}
	if rp.spool.file == nil {
		return bytes.NewReader(rp.spool.mem), nil
	}
	if _, err := rp.spool.file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return rp.spool.file, nil
}

// Close removes the temporary file, if there is one.
func (rp *replay) Close() error {
	f := rp.spool.file
	if f == nil {
		return nil
	}
	rp.spool.file = nil
	return errors.Join(f.Close(), os.Remove(f.Name()))
}

// spool keeps what the first pass read. It never fails a write: a write
// error would only surface in the middle of the first pass as a
// misleading read error, so it is kept and reported by again.
type spool struct {
	mem  []byte
	file *os.File
	err  error
}

func (s *spool) Write(p []byte) (int, error) {
	if s.err != nil {
		return len(p), nil
	}
	if s.file == nil && len(s.mem)+len(p) <= spoolInMemory {
		s.mem = append(s.mem, p...)
		return len(p), nil
	}
	if s.file == nil {
		if s.file, s.err = os.CreateTemp("", "onrecord-import-*.jsonl"); s.err != nil {
			return len(p), nil
		}
		_, s.err = s.file.Write(s.mem)
		s.mem = nil
	}
	if s.err == nil {
		_, s.err = s.file.Write(p)
	}
	return len(p), nil
}
