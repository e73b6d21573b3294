// Command onrecord answers questions about what public figures have said,
// from a curated store of attributed statements: in Telegram, in Discord,
// or in a local console chat when no platform is configured.
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, stdio{os.Stdin, os.Stdout, os.Stderr}); err != nil {
		fmt.Fprintln(os.Stderr, "onrecord:", err)
		os.Exit(exitCode(err))
	}
}
