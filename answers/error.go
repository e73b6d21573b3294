package answers

import (
	"errors"
	"fmt"
)

// Error codes. The code decides what a user is told; the message is safe to
// show. Anything without a code is internal: logged, never shown.
const (
	EInternal     = "internal"
	EInvalid      = "invalid"
	ENotFound     = "not_found"
	EConflict     = "conflict"
	EUnauthorized = "unauthorized"
	ETooLarge     = "too_large"
	ERateLimited  = "rate_limited"
	EUnavailable  = "unavailable"
)

// Error is an error meant for a user as well as for the log.
type Error struct {
	Code    string
	Message string
	// Err is the underlying cause, for logs only.
	Err error
}

// Error is the code and the message, then the first cause that is not an
// *Error itself: a wrapping *Error's message already carries the messages
// of those it wraps.
func (e *Error) Error() string {
	s := e.Code + ": " + e.Message
	for c := e.Err; c != nil; {
		inner, ok := c.(*Error)
		if !ok {
			return s + ": " + c.Error()
		}
		c = inner.Err
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or
// EInternal for any other non-nil error.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EInternal
}

// Wrap adds context to err and keeps err as the cause. The result has err's
// code, EInternal when it has none, and a message that puts the context
// before err's own message; the cause reaches the log, never a user.
func Wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	msg := fmt.Sprintf(format, args...)
	var e *Error
	if errors.As(err, &e) {
		return &Error{Code: e.Code, Message: msg + ": " + e.Message, Err: err}
	}
	return &Error{Code: EInternal, Message: msg, Err: err}
}

// ErrorMessage returns the message of the first *Error in err's chain, which
// a user may see unless its code is EInternal; "" when there is none. What
// an internal error becomes in a chat is decided in package bot.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return ""
}
