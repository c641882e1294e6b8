package main

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"dialdesk/store"
)

// config is dialdesk's configuration: defaults, then DIALDESK_* variables,
// then flags (each variable has a flag of the same name in lower case, e.g.
// DIALDESK_ICALL_URL → -icall-url).
type config struct {
	Addr            string
	DataDir         string
	DatabaseURL     string // postgres://…; empty: SQLite in DataDir
	SessionKey      string // hex, 96 bytes; empty: generated and kept (secrets.go)
	ICallURL        string
	ICallAppID      string
	ICallSignature  string
	V1URL           string
	V1Token         string
	RecordingsURL   string
	RecordingHosts  string // comma list
	PublicURL       string
	PushToken       string
	AdminUser       string
	AdminPassword   string
	TZ              string
	DemoSpeed       float64
	ImportBatchSize int    // numbers per add_task_data call of an import (1–500)
	TrustProxy      bool   // believe X-Forwarded-Proto (only behind a proxy that sets it)
	LogFormat       string // text or json
	MetricsAddr     string // listen address of GET /metrics; "" = off
	// The call warehouse's sync (jobs/warehouse.go).
	SyncDays        int     // tasks running or finished within the last SyncDays are synced
	TranscriptRate  float64 // record_info requests a second, whole instance
	RetentionDays   int     // transcripts older than this are pruned (rollups stay)
	location        *time.Location
	recordingHostsL []string
	// publicFromAddr: PublicURL was not set and follows the listen address
	// (demo mode); run sets it again once the port is known (-addr :0).
	publicFromAddr bool
}

func defaultConfig() config {
	return config{
		Addr:      "127.0.0.1:8080",
		DataDir:   "./data",
		TZ:        "Asia/Shanghai",
		DemoSpeed: 10,
		LogFormat: "text",

		ImportBatchSize: 500,
		SyncDays:        7,
		TranscriptRate:  3,
		RetentionDays:   180,
	}
}

// fields binds each setting to its variable, flag and help text.
func (c *config) fields() []struct {
	env, help string
	ptr       *string
} {
	return []struct {
		env, help string
		ptr       *string
	}{
		{"DIALDESK_ADDR", "listen address", &c.Addr},
		{"DIALDESK_DATA_DIR", "SQLite database, generated session keys and push token", &c.DataDir},
		{"DIALDESK_DATABASE_URL", "PostgreSQL database (postgres://…) shared by every instance; empty: SQLite in the data dir", &c.DatabaseURL},
		{"DIALDESK_SESSION_KEY", "session cookie keys, 192 hex digits (default: generated, kept in the data dir, or in the database on PostgreSQL)", &c.SessionKey},
		{"DIALDESK_ICALL_URL", "surface A base, up to and including /api/icall/5/task/ (empty: demo sandbox)", &c.ICallURL},
		{"DIALDESK_ICALL_APPID", "surface A appid", &c.ICallAppID},
		{"DIALDESK_ICALL_SIGNATURE", "surface A signature", &c.ICallSignature},
		{"DIALDESK_V1_URL", "surface B base, the part before v1/ (empty: surface B off)", &c.V1URL},
		{"DIALDESK_V1_TOKEN", "surface B bearer token", &c.V1Token},
		{"DIALDESK_RECORDINGS_URL", "base URL under which v1 recordfile paths are served", &c.RecordingsURL},
		{"DIALDESK_RECORDING_HOSTS", "extra hosts the recording proxy may fetch from (comma list of host:port, or host alone for every port)", &c.RecordingHosts},
		{"DIALDESK_PUBLIC_URL", "how the platform reaches dialdesk (push_url is built from it); required with a real platform, in demo mode it follows the listen address", &c.PublicURL},
		{"DIALDESK_PUSH_TOKEN", "secret path segment of the push receiver (default: generated, kept in the data dir, or in the database on PostgreSQL)", &c.PushToken},
		{"DIALDESK_ADMIN_USER", "create this admin at start when no user exists", &c.AdminUser},
		{"DIALDESK_ADMIN_PASSWORD", "password of DIALDESK_ADMIN_USER", &c.AdminPassword},
		{"DIALDESK_TZ", "zone for showing times", &c.TZ},
		{"DIALDESK_LOG_FORMAT", "log lines as text (key=value) or json, for log shippers", &c.LogFormat},
		{"DIALDESK_METRICS_ADDR", "listen address of the Prometheus metrics (GET /metrics), apart from the public one (default: off)", &c.MetricsAddr},
	}
}

// load applies environment variables then flags (args) over the defaults.
func (c *config) load(args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("dialdesk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, f := range c.fields() {
		if v := getenv(f.env); v != "" {
			*f.ptr = v
		}
		name := strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(f.env, "DIALDESK_")), "_", "-")
		fs.StringVar(f.ptr, name, *f.ptr, f.help+" ("+f.env+")")
	}
	if v := getenv("DIALDESK_DEMO_SPEED"); v != "" {
		if _, err := fmt.Sscan(v, &c.DemoSpeed); err != nil {
			return fmt.Errorf("DIALDESK_DEMO_SPEED: %v", err)
		}
	}
	fs.Float64Var(&c.DemoSpeed, "demo-speed", c.DemoSpeed, "demo mode: how much faster than real time the sandbox's calls progress (DIALDESK_DEMO_SPEED)")
	if v := getenv("DIALDESK_IMPORT_BATCH_SIZE"); v != "" {
		if _, err := fmt.Sscan(v, &c.ImportBatchSize); err != nil {
			return fmt.Errorf("DIALDESK_IMPORT_BATCH_SIZE: %v", err)
		}
	}
	fs.IntVar(&c.ImportBatchSize, "import-batch-size", c.ImportBatchSize, "numbers per add_task_data call when importing, 1–500 (DIALDESK_IMPORT_BATCH_SIZE)")
	for _, n := range []struct {
		env, flag, help string
		ptr             any
	}{
		{"DIALDESK_SYNC_DAYS", "sync-days", "the call warehouse syncs the tasks running or finished within the last N days", &c.SyncDays},
		{"DIALDESK_TRANSCRIPT_RATE", "transcript-rate", "record_info requests a second for transcripts, for the whole instance", &c.TranscriptRate},
		{"DIALDESK_RETENTION_DAYS", "retention-days", "transcripts older than this many days are pruned (figures stay)", &c.RetentionDays},
	} {
		if v := getenv(n.env); v != "" {
			if _, err := fmt.Sscan(v, n.ptr); err != nil {
				return fmt.Errorf("%s: %v", n.env, err)
			}
		}
		switch p := n.ptr.(type) {
		case *int:
			fs.IntVar(p, n.flag, *p, n.help+" ("+n.env+")")
		case *float64:
			fs.Float64Var(p, n.flag, *p, n.help+" ("+n.env+")")
		}
	}
	if v := getenv("DIALDESK_TRUST_PROXY"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("DIALDESK_TRUST_PROXY %q: want 1 or 0", v)
		}
		c.TrustProxy = b
	}
	fs.BoolVar(&c.TrustProxy, "trust-proxy", c.TrustProxy, "believe X-Forwarded-Proto: https from a reverse proxy in front (DIALDESK_TRUST_PROXY=1)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return c.Validate()
}

// database is where the store is: the PostgreSQL URL, or the SQLite file
// in the data dir.
func (c *config) database() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, "dialdesk.db")
}

// Demo reports whether no platform is configured (the sandbox runs in-process).
func (c *config) Demo() bool { return c.ICallURL == "" }

// Validate checks the configuration and derives the parsed values.
func (c *config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("DIALDESK_ADDR is empty"))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("DIALDESK_DATA_DIR is empty"))
	}
	if c.DatabaseURL != "" && !store.IsPostgresURL(c.DatabaseURL) {
		errs = append(errs, errors.New("DIALDESK_DATABASE_URL: want a postgres:// URL (leave it empty for SQLite in the data dir)"))
	}
	if c.SessionKey != "" {
		if k, err := hex.DecodeString(c.SessionKey); err != nil || len(k) != sessionKeyBytes {
			errs = append(errs, fmt.Errorf("DIALDESK_SESSION_KEY: want %d hex digits", 2*sessionKeyBytes))
		}
	}
	loc, err := time.LoadLocation(c.TZ)
	if err != nil {
		errs = append(errs, fmt.Errorf("DIALDESK_TZ %q: %v", c.TZ, err))
	}
	c.location = loc
	check := func(name, raw string) {
		if raw == "" {
			return
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s %q: want an http(s) URL", name, raw))
		}
	}
	check("DIALDESK_ICALL_URL", c.ICallURL)
	check("DIALDESK_V1_URL", c.V1URL)
	check("DIALDESK_RECORDINGS_URL", c.RecordingsURL)
	check("DIALDESK_PUBLIC_URL", c.PublicURL)
	// push_url is built from the public URL, never from a request's Host.
	switch {
	case c.PublicURL == "" && c.Demo():
		// The in-process sandbox pushes to this very process.
		c.PublicURL, c.publicFromAddr = demoPublicURL(c.Addr), true
	case c.PublicURL == "":
		errs = append(errs, errors.New("DIALDESK_PUBLIC_URL is not set: with a real platform (DIALDESK_ICALL_URL) dialdesk "+
			"must know the address at which the platform reaches it, to give it as push_url for call results; "+
			"set it, e.g. DIALDESK_PUBLIC_URL=https://dialdesk.example.com"))
	}
	if c.ICallURL != "" && (c.ICallAppID == "" || c.ICallSignature == "") {
		errs = append(errs, errors.New("DIALDESK_ICALL_URL is set: DIALDESK_ICALL_APPID and DIALDESK_ICALL_SIGNATURE are required"))
	}
	if c.V1URL != "" && c.V1Token == "" {
		errs = append(errs, errors.New("DIALDESK_V1_URL is set: DIALDESK_V1_TOKEN is required"))
	}
	if (c.AdminUser == "") != (c.AdminPassword == "") {
		errs = append(errs, errors.New("DIALDESK_ADMIN_USER and DIALDESK_ADMIN_PASSWORD go together"))
	}
	if c.AdminPassword != "" {
		if why := weakPassword(c.AdminUser, c.AdminPassword); why != "" {
			errs = append(errs, fmt.Errorf("DIALDESK_ADMIN_PASSWORD is refused: %s (the same rules as the users page)", why))
		}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("DIALDESK_LOG_FORMAT %q: want text or json", c.LogFormat))
	}
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		errs = append(errs, errors.New("DIALDESK_METRICS_ADDR must differ from DIALDESK_ADDR: the metrics are never served on the public listener"))
	}
	if c.DemoSpeed <= 0 {
		errs = append(errs, errors.New("demo speed must be positive"))
	}
	if c.SyncDays < 1 || c.TranscriptRate <= 0 || c.TranscriptRate > 50 || c.RetentionDays < 1 {
		errs = append(errs, errors.New("DIALDESK_SYNC_DAYS and DIALDESK_RETENTION_DAYS must be at least 1, DIALDESK_TRANSCRIPT_RATE above 0 and at most 50"))
	}
	if c.ImportBatchSize < 1 || c.ImportBatchSize > 500 {
		errs = append(errs, fmt.Errorf("DIALDESK_IMPORT_BATCH_SIZE %d: want 1 to 500", c.ImportBatchSize))
	}
	c.recordingHostsL = nil
	for _, h := range strings.Split(c.RecordingHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			c.recordingHostsL = append(c.recordingHostsL, h)
		}
	}
	for _, raw := range []string{c.ICallURL, c.RecordingsURL} {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			c.recordingHostsL = append(c.recordingHostsL, u.Host)
		}
	}
	return errors.Join(errs...)
}

// weakPassword says why password breaks the password rules
// (store.CheckPassword), or "".
func weakPassword(username, password string) string {
	switch err := store.CheckPassword(username, password); {
	case err == nil:
		return ""
	case errors.Is(err, store.ErrPasswordTooLong):
		return "it is longer than 72 bytes (bcrypt's limit)"
	case errors.Is(err, store.ErrPasswordShort):
		return fmt.Sprintf("it is shorter than %d characters", store.MinPasswordRunes)
	case errors.Is(err, store.ErrPasswordHasUsername):
		return "it contains the username (DIALDESK_ADMIN_USER)"
	case errors.Is(err, store.ErrPasswordCommon):
		return "it is one of the commonest passwords, easy to guess"
	default:
		return err.Error()
	}
}

// demoPublicURL is the public URL of a demo listening on addr: the in-process
// sandbox pushes to it, over loopback when dialdesk listens on every
// interface (or gives no host).
func demoPublicURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
