package main

import (
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"dialdesk/client"
	"dialdesk/handlers"
	"dialdesk/jobs"
	"dialdesk/metrics"
	"dialdesk/sandbox"
	"dialdesk/store"
)

// run is the whole program: `dialdesk [flags]` serves the dashboard,
// `dialdesk sandbox [flags]` serves the simulated platform alone and
// `dialdesk reset-password USERNAME` gives a user a new password and
// `dialdesk backup FILE` copies the live SQLite database.
func run(ctx context.Context, args []string, getenv func(string) string) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if len(args) > 0 && args[0] == "sandbox" {
		return runSandbox(ctx, args[1:], log)
	}
	if len(args) > 0 && args[0] == "reset-password" {
		return runResetPassword(ctx, args[1:], getenv, os.Stdout)
	}
	if len(args) > 0 && args[0] == "backup" {
		return runBackup(ctx, args[1:], getenv, os.Stdout)
	}
	if len(args) > 0 && args[0] == "migrate" {
		return runMigrate(ctx, args[1:], getenv, os.Stdout)
	}
	if len(args) > 0 && args[0] == "copy-db" {
		return runCopyDB(ctx, args[1:], getenv, os.Stdout)
	}
	cfg := defaultConfig()
	if err := cfg.load(args, getenv, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log = newLogger(cfg.LogFormat, os.Stderr)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	st, err := store.Open(cfg.database())
	if err != nil {
		return err
	}
	defer st.Close()

	sessionKey, err := sessionKey(ctx, cfg, st)
	if err != nil {
		return err
	}
	if cfg.PushToken == "" {
		tok, err := instanceSecret(ctx, cfg, st, "push.token", pushTokenBytes)
		if err != nil {
			return err
		}
		cfg.PushToken = fmt.Sprintf("%x", tok)
	}

	// The metrics, when served (DIALDESK_METRICS_ADDR): the sync lag is
	// read from the store at each scrape.
	var met *metrics.Metrics
	if cfg.MetricsAddr != "" {
		met = metrics.New(func(ctx context.Context) ([]metrics.SyncState, error) {
			states, err := st.SyncPositions(ctx, time.Now().Add(-24*time.Hour))
			out := make([]metrics.SyncState, len(states))
			for i, x := range states {
				out[i] = metrics.SyncState{TaskID: x.TaskID, Watermark: x.Watermark, LastRun: x.LastRun}
			}
			return out, err
		})
	}
	var cl *client.Client
	if cfg.Demo() {
		seed, err := demoSeed(cfg.DataDir)
		if err != nil {
			return err
		}
		sb, base, stopSandbox, err := startDemoSandbox(ctx, cfg.DataDir, seed, cfg.DemoSpeed, cfg.location, log)
		if err != nil {
			return err
		}
		defer stopSandbox()
		// query_task lists only unfinished tasks: remember the seeded world's
		// finished and deleted ones too, as if dialdesk had seen them before.
		var known []store.KnownTask
		for _, id := range sb.TaskIDs() {
			known = append(known, store.KnownTask{ID: id})
		}
		if err := st.RememberTasks(ctx, known); err != nil {
			return err
		}
		if err := st.SeedExampleRules(ctx); err != nil { // the four keyword rules a demo shows
			return err
		}
		cfg.RecordingsURL = base + "/recordings"
		cfg.recordingHostsL = append(cfg.recordingHostsL, base[len("http://"):])
		cl = client.New(
			client.WithICall(base+"/api/icall/5/task/", "demo-appid", "demo-signature"),
			client.WithV1(base+"/", "demo-token"),
			client.WithLocation(cfg.location),
			client.WithConcurrency(16),
			client.WithObserver(met.Upstream),
		)
		log.Info("demo mode: the simulated platform runs in-process", "url", base, "speed", cfg.DemoSpeed)
	} else {
		opts := []client.Option{client.WithICall(cfg.ICallURL, cfg.ICallAppID, cfg.ICallSignature),
			client.WithLocation(cfg.location), client.WithConcurrency(16), client.WithObserver(met.Upstream)}
		if cfg.V1URL != "" {
			opts = append(opts, client.WithV1(cfg.V1URL, cfg.V1Token))
		}
		cl = client.New(opts...)
	}
	if err := ensureAdmin(ctx, st, cfg, log); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if cfg.publicFromAddr {
		cfg.PublicURL = demoPublicURL(ln.Addr().String()) // the port, when -addr asked for any
	}
	srv, err := handlers.New(handlers.Config{
		Store:           st,
		Client:          cl,
		Location:        cfg.location,
		Demo:            cfg.Demo(),
		PublicURL:       cfg.PublicURL,
		TrustProxy:      cfg.TrustProxy,
		PushToken:       cfg.PushToken,
		SessionKeys:     [][]byte{sessionKey[:64], sessionKey[64:]},
		RecordingsURL:   cfg.RecordingsURL,
		RecordingHosts:  cfg.recordingHostsL,
		ImportBatchSize: cfg.ImportBatchSize,
		CallSync:        true,
		Logger:          log,
		Metrics:         met,
		Warehouse: &jobs.WarehouseConfig{Days: cfg.SyncDays, Rate: cfg.TranscriptRate,
			Retention: time.Duration(cfg.RetentionDays) * 24 * time.Hour},
	})
	if err != nil {
		return err
	}
	// The background jobs: the import sender (it picks up the imports a
	// restart interrupted), the push resolver, the call sync of missed
	// pushes, the task refresher, the call warehouse.
	srv.StartJobs(context.WithoutCancel(ctx))
	if met != nil {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("DIALDESK_METRICS_ADDR: %w", err)
		}
		defer mln.Close()
		log.Info("metrics serving", "url", "http://"+mln.Addr().String()+"/metrics")
		go serve(ctx, mln, metricsMux(met), log)
	}
	log.Info("dialdesk serving", "url", "http://"+ln.Addr().String(), "public_url", cfg.PublicURL)
	err = serve(ctx, ln, srv.Routes(), log)
	// Let import batches in flight finish and be marked (bounded), so a
	// SIGTERM does not cut one between "sent" and "marked".
	if werr := srv.StopJobs(20 * time.Second); werr != nil {
		log.Warn("background jobs did not stop in time; imports go on at the next start", "err", werr)
	}
	return err
}

// serve runs an http.Server on ln until ctx is done, then shuts it down
// gracefully: in-flight requests get up to 20 s to finish.
func serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       60 * time.Second,  // number uploads up to a few MB
		WriteTimeout:      120 * time.Second, // recordings stream longer; the proxy extends its own deadline
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// demoSeed is the demo world's seed, generated on first start and kept in
// the data dir: a restarted demo shows the same tasks (ids) again instead of
// twenty new ones, which would leave the remembered old ones as "unknown".
func demoSeed(dir string) (int64, error) {
	b, err := loadOrCreateSecret(dir, "demo.seed", 8)
	if err != nil {
		return 0, err
	}
	return int64(binary.BigEndian.Uint64(b) >> 1), nil
}

// demoWorldFile holds the demo sandbox's world in the data dir, so that the
// tasks, numbers and calls made in the demo survive a restart.
const demoWorldFile = "demo-world.json"

// demoSaveEvery is how often the running demo saves its world, besides at
// stop: a crash loses at most this much of the simulated platform's life.
const demoSaveEvery = time.Minute

// startDemoSandbox serves the demo sandbox on a loopback port with its own
// real-time clock, and returns its base URL. Its world is the one saved in
// dir when there is one (made with the same seed), else a new world seeded
// with seed; it is saved there every demoSaveEvery and when stopped.
func startDemoSandbox(ctx context.Context, dir string, seed int64, speed float64, loc *time.Location, log *slog.Logger) (*sandbox.Sandbox, string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", nil, err
	}
	base := "http://" + ln.Addr().String()
	// The history gives the overview two weeks of finished tasks to show.
	opts := sandbox.Options{SeedData: true, Seed: seed, Speed: speed, BaseURL: base,
		Location: loc, Logger: log.With("component", "sandbox"),
		History: sandbox.History{Tasks: 12, Calls: 4000, Days: 14}}
	path := filepath.Join(dir, demoWorldFile)
	sb, err := restoreDemoWorld(path, opts)
	switch {
	case err == nil:
		log.Info("demo: the simulated platform's world restored", "file", path)
	case errors.Is(err, os.ErrNotExist):
		sb = sandbox.New(opts)
	default:
		// A world that cannot be read (cut short, another seed) gives way to
		// a new one rather than keeping the demo from starting.
		log.Warn("demo: saved world not used; a new one starts", "file", path, "err", err)
		sb = sandbox.New(opts)
	}
	save := func() {
		if err := saveDemoWorld(path, sb); err != nil {
			log.Warn("demo: saving the simulated platform's world", "file", path, "err", err)
		}
	}
	sctx, cancel := context.WithCancel(ctx)
	saved := make(chan struct{})
	go sb.Run(sctx)
	go func() {
		defer close(saved)
		t := time.NewTicker(demoSaveEvery)
		defer t.Stop()
		for {
			select {
			case <-sctx.Done():
				return
			case <-t.C:
				save()
			}
		}
	}()
	hs := &http.Server{Handler: sb, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	return sb, base, func() { cancel(); hs.Close(); <-saved; save() }, nil
}

func restoreDemoWorld(path string, opts sandbox.Options) (*sandbox.Sandbox, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return sandbox.Restore(opts, f)
}

// saveDemoWorld writes sb's world to path through a temporary file, so that
// a crash while writing leaves the previous world in place.
func saveDemoWorld(path string, sb *sandbox.Sandbox) error {
	f, err := os.CreateTemp(filepath.Dir(path), demoWorldFile+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after the rename, a no-op
	if err := sb.Save(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// ensureAdmin creates the first admin when no user exists: from
// DIALDESK_ADMIN_USER/PASSWORD, or in demo mode "admin" with a random
// password printed once.
func ensureAdmin(ctx context.Context, st *store.Store, cfg config, log *slog.Logger) error {
	n, err := st.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	// Instances starting at once on one database all find no user; the
	// username is unique, so one creates the admin and the others find it
	// taken, which is as good.
	switch {
	case cfg.AdminUser != "":
		_, err := st.CreateUser(ctx, cfg.AdminUser, cfg.AdminPassword, store.RoleAdmin)
		if errors.Is(err, store.ErrUsernameTaken) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("create admin %q: %w", cfg.AdminUser, err)
		}
		log.Info("created the first admin", "username", cfg.AdminUser)
	case cfg.Demo():
		pw := randomPassword()
		_, err := st.CreateUser(ctx, "admin", pw, store.RoleAdmin)
		if errors.Is(err, store.ErrUsernameTaken) {
			return nil
		}
		if err != nil {
			return err
		}
		// Printed once, on purpose: it is the only way into a fresh demo.
		fmt.Fprintf(os.Stderr, "\n  dialdesk demo: log in as  admin / %s  (shown only once)\n\n", pw)
	default:
		log.Warn("no user exists: set DIALDESK_ADMIN_USER and DIALDESK_ADMIN_PASSWORD to create the first admin")
	}
	return nil
}

// runSandbox serves the simulated platform alone: dialdesk sandbox -addr 127.0.0.1:9090.
func runSandbox(ctx context.Context, args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("dialdesk sandbox", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:9090", "listen address")
	seed := fs.Int64("seed", 1, "world seed (same seed, same world)")
	speed := fs.Float64("speed", 10, "how much faster than real time calls progress")
	appid := fs.String("appid", "demo-appid", "surface A appid")
	sig := fs.String("signature", "demo-signature", "surface A signature")
	token := fs.String("token", "demo-token", "surface B bearer token")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	sb := sandbox.New(sandbox.Options{AppID: *appid, Signature: *sig, Token: *token, Seed: *seed,
		SeedData: true, Speed: *speed, BaseURL: base, Logger: log.With("component", "sandbox")})
	go sb.Run(ctx)
	log.Info("sandbox serving", "icall", base+"/api/icall/5/task/", "v1", base+"/v1/",
		"appid", *appid, "signature", *sig, "token", *token)
	return serve(ctx, ln, sb, log)
}

// newLogger is the process's logger: key=value text, or one JSON object a
// line for log shippers (DIALDESK_LOG_FORMAT=json).
func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// metricsMux serves the metrics at /metrics and nothing else, on the
// metrics listener (DIALDESK_METRICS_ADDR), never on the public one.
func metricsMux(m *metrics.Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	return mux
}
