package engine

import (
	"errors"
	"fmt"
)

// Error codes. Transports map them to their own: an HTTP status, a
// WebSocket error frame.
const (
	EINVALID     = "invalid"     // the request is malformed: empty or overlong text, unknown mode
	EWRONGTURN   = "wrong_turn"  // the turn number is not the one awaiting an answer
	EDUPLICATE   = "duplicate"   // the turn was already answered: a safe resend
	EENDED       = "ended"       // the session has ended
	ENOTALLOWED  = "not_allowed" // the mode or state forbids it, such as retry in assessment
	ENOTFOUND    = "not_found"
	ECONFLICT    = "conflict"    // someone else changed the session first
	EUNAVAILABLE = "unavailable" // the store could not save: try again
	EBUSY        = "busy"        // another server is driving the session
	EINTERNAL    = "internal"
)

// Error is an error whose message is fit to show a trainee. Err, if set,
// is the underlying cause, for logs only.
type Error struct {
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the *Error in err's chain, EINTERNAL for
// any other error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the *Error in err's chain. Other
// errors may carry details meant for logs, so they read only "internal
// error".
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "something went wrong on the server; try again in a moment"
}
