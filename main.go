// Command dialdesk serves the dialdesk web dashboard in front of an AI
// outbound-calling platform; `dialdesk sandbox` serves a simulated platform.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "dialdesk:", err)
		os.Exit(1)
	}
}
