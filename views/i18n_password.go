package views

// The password rules' words (store.CheckPassword), beyond the users page's
// own (i18n.go).
func init() {
	Register(map[string]string{
		"users.err.pwname":   "密码不能包含用户名。",
		"users.err.pwcommon": "这个密码太常见，很容易被猜到，请换一个。",
	}, map[string]string{
		"users.err.pwname":   "The password must not contain the username.",
		"users.err.pwcommon": "This password is too common and easy to guess; please choose another.",
	})
}
