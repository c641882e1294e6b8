package views

// AlertsVM is GET /alerts: the calls that hit a high-severity keyword rule
// and, for admins, the webhook and its delivery log.
type AlertsVM struct {
	Rows       []AlertRowVM
	Admin      bool
	Webhook    string // the URL set (or as typed when refused)
	WebhookErr string
	Deliveries []DeliveryRowVM
}

// AlertRowVM is one alert.
type AlertRowVM struct {
	ID      int64
	Time    string
	Rule    Chip
	Word    string
	Task    string
	CallURL string // "" when the call is not filed under a task
	Hook    int    // 0 no webhook, 1 to send, 2 sent, 3 given up
}

// DeliveryRowVM is one try of the webhook.
type DeliveryRowVM struct {
	Alert   int64
	Time    string
	URL     string
	Attempt int
	Status  string // the HTTP status, "" none
	Error   string // a code: timeout, connect, status, url, encode
}
