package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/onrecord/onrecord/internal/gen"
)

// TestMain lets a test run the real program in a child process (to kill it
// mid-write) by re-executing the test binary.
func TestMain(m *testing.M) {
	if os.Getenv("ONRECORD_TEST_CHILD") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestCrashMidImportLosesNothing kills the process in the middle of a
// large import: the store must open afterwards exactly as it was before.
func TestCrashMidImportLosesNothing(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("writes a large import; too slow under -short or the race detector")
	}
	p := newProgram(t)
	before := p.mustRun("", "export")

	var lines bytes.Buffer
	g, err := gen.New(1, 100_000)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Write(&lines); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "big.jsonl")
	if err := os.WriteFile(file, lines.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(context.Background(), self, "import", "--db", p.env["ONRECORD_DB"], file)
	cmd.Env = append(os.Environ(), "ONRECORD_TEST_CHILD=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	exited := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(exited) }()
	// Whatever happens to the test, the child does not outlive it.
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	// Kill it once the transaction is writing: the write-ahead log grows
	// only then.
	wal := p.env["ONRECORD_DB"] + "-wal"
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-exited:
			t.Skipf("the import finished (%v) before it could be killed mid-write", waitErr)
		case <-time.After(20 * time.Millisecond):
		}
		if st, err := os.Stat(wal); err == nil && st.Size() > 1<<20 {
			t.Logf("killed with %d bytes in the write-ahead log", st.Size())
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the import never started writing")
		}
	}
	cmd.Process.Kill()
	<-exited

	if after := p.mustRun("", "export"); after != before {
		t.Fatalf("after a crash mid-import the store changed: %d bytes exported, want %d", len(after), len(before))
	}
	// And it still takes writes.
	p.mustRun(`{"speaker":"A B","text":"after the crash"}`+"\n", "import", "-")
}
