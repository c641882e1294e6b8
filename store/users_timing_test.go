package store

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestAuthenticateSameCost: every failed login, whether the username exists
// or not and whatever the password (empty, over-long, wrong), makes exactly
// one bcrypt comparison at the cost of the stored hashes, so its timing does
// not tell which usernames exist.
func TestAuthenticateSameCost(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	SetBcryptCost(bcrypt.MinCost + 1) // not bcrypt.DefaultCost: a dummy at a fixed cost would show
	t.Cleanup(func() { SetBcryptCost(bcrypt.MinCost) })
	if _, err := s.CreateUser(ctx, "ann", "ann-password-1", RoleManager); err != nil {
		t.Fatal(err)
	}
	var costs []int
	compareHash = func(h, pw []byte) error {
		c, err := bcrypt.Cost(h)
		if err != nil {
			t.Fatal(err)
		}
		costs = append(costs, c)
		return bcrypt.CompareHashAndPassword(h, pw)
	}
	t.Cleanup(func() { compareHash = bcrypt.CompareHashAndPassword })
	long := strings.Repeat("x", 200)
	for _, c := range []struct{ user, pw string }{
		{"ann", "wrong-password"}, {"ann", ""}, {"ann", long},
		{"nobody", "wrong-password"}, {"nobody", ""}, {"nobody", long},
	} {
		costs = nil
		if _, err := s.Authenticate(ctx, c.user, c.pw); err != ErrBadCredentials {
			t.Errorf("%s/%d bytes: %v, want ErrBadCredentials", c.user, len(c.pw), err)
		}
		if len(costs) != 1 || costs[0] != bcrypt.MinCost+1 {
			t.Errorf("%s with a %d-byte password: bcrypt comparisons at costs %v, want exactly one at %d", c.user, len(c.pw), costs, bcrypt.MinCost+1)
		}
	}
	if _, err := s.Authenticate(ctx, "ann", "ann-password-1"); err != nil {
		t.Errorf("right password: %v", err)
	}
}
