package main

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestParseRetention(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		in   string
		want time.Duration
		err  string // part of the error; "" for none
	}{
		{"", 0, ""},
		{"  ", 0, ""},
		{"0", 0, ""},
		{"0d", 0, ""},
		{"0s", 0, ""},
		{"365d", 365 * day, ""},
		{" 30d ", 30 * day, ""},
		{"1d", day, ""},
		{"720h", 720 * time.Hour, ""},
		{"90m", 90 * time.Minute, ""},
		{"-1h", 0, "cannot be negative"},
		{"-30d", 0, "cannot be negative"},
		{"1.5d", 0, "whole number of days"},
		{"d", 0, "whole number of days"},
		{"1d12h", 0, "not a duration"},
		{"a year", 0, "not a duration"},
		{"365", 0, "not a duration"},
		{"99999999999999d", 0, "too long"},
		{"-99999999999999d", 0, "cannot be negative"},
	}
	for _, tt := range tests {
		got, err := parseRetention(tt.in)
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("parseRetention(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("parseRetention(%q) = %v, %v; want an error saying %q", tt.in, got, err, tt.err)
		}
	}
}

// TestRetentionFlag checks the flag as serve declares it: days and
// durations on the command line, and a refusal of a negative one.
func TestRetentionFlag(t *testing.T) {
	tests := []struct {
		args []string
		want time.Duration
		ok   bool
	}{
		{nil, 0, true},
		{[]string{"--retention", "365d"}, 365 * 24 * time.Hour, true},
		{[]string{"--retention=8760h"}, 8760 * time.Hour, true},
		{[]string{"--retention", "-1d"}, 0, false},
	}
	for _, tt := range tests {
		var d time.Duration
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.Var((*retentionValue)(&d), "retention", "")
		err := fs.Parse(tt.args)
		if (err == nil) != tt.ok || d != tt.want {
			t.Errorf("%v: %v, %v; want %v, ok %v", tt.args, d, err, tt.want, tt.ok)
		}
	}
}
