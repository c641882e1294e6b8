package jobs

import "regexp"

var taskIDRe = regexp.MustCompile(`^[0-9A-Za-z_-]{1,64}$`)

// ValidTaskID reports whether id has the shape of a platform task id: the
// only ids dialdesk puts in URLs, file names and store rows.
func ValidTaskID(id string) bool { return taskIDRe.MatchString(id) }
