package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/repairgym/repairgym/engine"
)

// API error codes besides the engine's.
const (
	codeUnauthorized = "unauthorized"
	codeForbidden    = "forbidden"
	codeRateLimited  = "rate_limited"
	codeTooLarge     = "too_large"
)

// apiError is an error with the status and code to answer with.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.message }

func newError(status int, code, message string) *apiError {
	return &apiError{status: status, code: code, message: message}
}

func badRequest(message string) *apiError {
	return newError(http.StatusBadRequest, engine.EINVALID, message)
}

// notFound is also the answer for records the caller may not see, so that
// ids are not confirmed.
func notFound(what string) *apiError {
	return newError(http.StatusNotFound, engine.ENOTFOUND, what+" not found")
}

var statusOf = map[string]int{
	engine.EINVALID:     http.StatusBadRequest,
	engine.EWRONGTURN:   http.StatusConflict,
	engine.EDUPLICATE:   http.StatusConflict,
	engine.EENDED:       http.StatusConflict,
	engine.ENOTALLOWED:  http.StatusForbidden,
	engine.ENOTFOUND:    http.StatusNotFound,
	engine.ECONFLICT:    http.StatusConflict,
	engine.EUNAVAILABLE: http.StatusServiceUnavailable,
}

// handleError answers every error as {"error": {"code", "message"}}. An
// error that is neither an API nor an engine error is logged and answered
// as an internal error, its details kept from the client.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, code, message := http.StatusInternalServerError, engine.EINTERNAL, "something went wrong on the server; try again in a moment"
	var ae *apiError
	var he *echo.HTTPError
	var ee *engine.Error
	switch {
	case errors.As(err, &ae):
		status, code, message = ae.status, ae.code, ae.message
	case errors.As(err, &ee) && ee.Code != engine.EINTERNAL:
		status, code, message = statusOf[ee.Code], ee.Code, ee.Message
		if status == 0 {
			status = http.StatusBadRequest
		}
		if ee.Err != nil {
			s.log.Warn("request failed", "request_id", requestID(c), "code", ee.Code, "err", ee.Err)
		}
	case errors.As(err, &he):
		status = he.Code
		switch status {
		case http.StatusNotFound:
			code, message = engine.ENOTFOUND, "not found"
		case http.StatusMethodNotAllowed:
			code, message = engine.EINVALID, "method not allowed"
		case http.StatusRequestEntityTooLarge:
			code, message = codeTooLarge, "the request is too large"
		case http.StatusUnauthorized:
			code, message = codeUnauthorized, "log in first"
		default:
			code, message = engine.EINVALID, http.StatusText(status)
		}
	default:
		s.log.Error("internal error", "request_id", requestID(c), "path", c.Request().URL.Path, "err", err)
	}
	if c.Request().Method == http.MethodHead {
		c.NoContent(status)
		return
	}
	c.JSON(status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}
