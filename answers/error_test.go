package answers

import (
	"errors"
	"io/fs"
	"testing"
)

func TestWrapKeepsCodeMessageAndCause(t *testing.T) {
	cause := fs.ErrPermission
	for _, tc := range []struct {
		name     string
		err      error
		code     string
		message  string
		errorStr string
	}{
		{"internal", Wrap(cause, "Nothing was imported"), EInternal, "Nothing was imported", "internal: Nothing was imported: permission denied"},
		{"coded", Wrap(Errorf(EInvalid, "speaker is required"), "line %d", 2), EInvalid, "line 2: speaker is required", "invalid: line 2: speaker is required"},
		{"twice", Wrap(Wrap(Errorf(EInvalid, "bad date"), "line 2"), "Nothing was imported"), EInvalid, "Nothing was imported: line 2: bad date", "invalid: Nothing was imported: line 2: bad date"},
		{"coded with a cause", Wrap(&Error{Code: EUnavailable, Message: "store busy", Err: cause}, "import"), EUnavailable, "import: store busy", "unavailable: import: store busy: permission denied"},
	} {
		if got := ErrorCode(tc.err); got != tc.code {
			t.Errorf("%s: code %q, want %q", tc.name, got, tc.code)
		}
		if got := ErrorMessage(tc.err); got != tc.message {
			t.Errorf("%s: message %q, want %q", tc.name, got, tc.message)
		}
		if got := tc.err.Error(); got != tc.errorStr {
			t.Errorf("%s: Error() %q, want %q", tc.name, got, tc.errorStr)
		}
	}
	if !errors.Is(Wrap(Wrap(cause, "a"), "b"), fs.ErrPermission) {
		t.Error("the cause is not in the chain")
	}
	if Wrap(nil, "x") != nil {
		t.Error("Wrap(nil) is not nil")
	}
	if ErrorMessage(errors.New("raw")) != "" {
		t.Error("an uncoded error has a user message")
	}
}
