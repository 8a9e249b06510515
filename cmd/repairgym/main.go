// Command repairgym is the rupture-repair practice server and its tools:
// serve the web app, validate scenarios, grade responses, or play a
// scenario in the terminal.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK       = 0
	exitProblems = 1 // the input has problems: invalid scenarios, a failed evaluation
	exitUsage    = 2 // the command line is wrong, or a file cannot be read
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// env holds a command's standard streams, so that tests run commands in
// process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) int
}

func commands() []command {
	return []command{
		{"serve", "run the web server", runServe},
		{"validate", "check scenario files and print every problem as file:line:col: message", runValidate},
		{"lint", "check scenarios deeply: simulate every path, check markers, run their tests", runLint},
		{"grade", "score trainee responses read as JSON Lines on stdin", runGrade},
		{"play", "practise a scenario in the terminal", runPlay},
		{"bench", "measure turn latency under load beside a WebSocket echo baseline", runBench},
		{"help", "describe a command", nil},
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) == 0 {
			usage(stdout)
			return exitOK
		}
		name, rest = rest[0], []string{"--help"}
	}
	if name == "bench-client" {
		// The load generator bench runs as a child process; not listed.
		return runBenchClient(ctx, e, rest)
	}
	for _, c := range commands() {
		if c.name == name && c.run != nil {
			return c.run(ctx, e, rest)
		}
	}
	fmt.Fprintf(stderr, "repairgym: unknown command %q\n\n", name)
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `repairgym: practise repairing ruptures in the therapeutic alliance.

Usage:
  repairgym <command> [flags] [arguments]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run "repairgym <command> --help" for a command's flags.
`)
}

// newFlags returns a flag set whose errors and help go to stderr, with a
// usage text that starts with the command's synopsis.
func newFlags(e env, name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: repairgym %s %s\n\n%s\n", name, synopsis, about)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(w, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args, flags and arguments in any order, and returns
// the arguments, with the exit code to stop with or -1 to go on. --help is
// a success; everything after "--" is an argument.
func parseFlags(fs *flag.FlagSet, e env, args []string) ([]string, int) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			// Asked-for help is output, not an error.
			fs.SetOutput(e.stdout)
		}
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK
			}
			return nil, exitUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, -1
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), -1
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
