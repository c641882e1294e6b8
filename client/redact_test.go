package client

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// TestTransportErrorHidesCredentials checks that a request that never gets an
// answer does not quote appid or signature in its error text: such texts reach
// logs and the audit log, where staff would read the platform's secrets.
func TestTransportErrorHidesCredentials(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: every request fails in transport

	c := New(WithICall("http://"+addr+"/api/icall/5/task/", "the-appid", "the-signature"),
		WithRetries(0), WithTimeout(2*time.Second))
	for name, call := range map[string]func() error{
		"GET pause_task": func() error { return c.PauseTask(context.Background(), "10001abc") },
		"GET query_task": func() error { _, err := c.QueryTasks(context.Background()); return err },
		"POST add_task_data": func() error {
			return c.AddTaskDataBatch(context.Background(), "10001abc", []DataRow{{Telephone: "13800138000", OutID: "1"}})
		},
	} {
		t.Run(name, func(t *testing.T) {
			err := call()
			if err == nil {
				t.Fatal("want a transport error")
			}
			var ue *UpstreamError
			if !errors.As(err, &ue) {
				t.Fatalf("want *UpstreamError, got %T: %v", err, err)
			}
			for _, secret := range []string{"the-appid", "the-signature"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error text quotes %q: %v", secret, err)
				}
			}
		})
	}
}
