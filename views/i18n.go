package views

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// Lang is a UI language.
type Lang string

// The two UI languages; Chinese is the default.
const (
	ZH Lang = "zh"
	EN Lang = "en"
)

// Langs lists the UI languages in the order the switch shows them.
var Langs = []Lang{ZH, EN}

// ParseLang reads "zh"/"en" (also "zh-CN", "en-US"...).
func ParseLang(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case strings.HasPrefix(s, "zh"):
		return ZH, true
	case strings.HasPrefix(s, "en"):
		return EN, true
	}
	return ZH, false
}

// Name is the language's own name, for the switch.
func (l Lang) Name() string {
	if l == EN {
		return "English"
	}
	return "中文"
}

type ctxKey int

const (
	langKey ctxKey = iota
	zoneKey
)

// WithLang returns ctx carrying the UI language used by T.
func WithLang(ctx context.Context, l Lang) context.Context {
	return context.WithValue(ctx, langKey, l)
}

// LangOf returns the UI language carried by ctx (Chinese if none).
func LangOf(ctx context.Context) Lang {
	if l, ok := ctx.Value(langKey).(Lang); ok {
		return l
	}
	return ZH
}

// catalogs holds one map per language: key → message. Each area of the app
// adds its own keys from its own file (views/i18n_<area>.go) with Register in
// an init function; TestCatalogComplete checks both languages have every key.
var catalogs = map[Lang]map[string]string{ZH: {}, EN: {}}

// Register adds one area's messages: zh and en must have the same keys.
// Keys are "area.name" (e.g. "tasks.title"). A key registered twice panics at
// start, so two areas cannot silently overwrite each other.
//
//	func init() {
//		Register(map[string]string{
//			"tasks.title": "外呼任务",
//		}, map[string]string{
//			"tasks.title": "Tasks",
//		})
//	}
func Register(zh, en map[string]string) {
	for lang, m := range map[Lang]map[string]string{ZH: zh, EN: en} {
		for k, v := range m {
			if _, dup := catalogs[lang][k]; dup {
				panic("views: i18n key registered twice: " + k)
			}
			catalogs[lang][k] = v
		}
	}
}

// Msg returns the message for key in lang. A missing key is logged and shown
// as the key itself, so it is visible but never breaks a page.
func Msg(lang Lang, key string) string {
	if m, ok := catalogs[lang][key]; ok {
		return m
	}
	if m, ok := catalogs[ZH][key]; ok {
		return m
	}
	slog.Warn("i18n: missing key", "key", key, "lang", lang)
	return key
}

// T returns the message for key in the language carried by ctx.
func T(ctx context.Context, key string) string { return Msg(LangOf(ctx), key) }

// Tf is T with fmt.Sprintf arguments (the message holds the verbs).
func Tf(ctx context.Context, key string, args ...any) string {
	return fmt.Sprintf(Msg(LangOf(ctx), key), args...)
}

func init() {
	Register(map[string]string{
		"app.name":            "dialdesk 智能外呼",
		"nav.tasks":           "任务",
		"nav.calls":           "通话",
		"nav.users":           "用户",
		"nav.audit":           "操作日志",
		"nav.logout":          "退出",
		"nav.main":            "主导航",
		"nav.lang":            "语言",
		"role.admin":          "管理员",
		"role.manager":        "经理",
		"role.supervisor":     "质检员",
		"demo.banner":         "演示模式：当前数据来自内置的模拟外呼平台，并非真实通话。",
		"common.retry":        "重试",
		"common.save":         "保存",
		"common.cancel":       "取消",
		"common.back":         "返回",
		"common.none":         "—",
		"common.colon":        "：",
		"common.close":        "关闭",
		"login.title":         "登录",
		"login.username":      "用户名",
		"login.password":      "密码",
		"login.submit":        "登录",
		"login.failed":        "用户名或密码错误。",
		"login.slowdown":      "尝试次数过多，请 %d 秒后再试。",
		"login.expired":       "登录已过期，请重新登录。",
		"login.loggedout":     "您已退出登录。",
		"err.title":           "出错了",
		"err.notfound":        "找不到您要访问的页面。",
		"err.notfound.title":  "页面不存在",
		"err.forbidden":       "您的角色无权执行此操作。如需权限，请联系管理员。",
		"err.forbidden.title": "无权访问",
		"err.csrf":            "页面已过期或请求来源无法验证，请刷新页面后重试。",
		"err.badrequest":      "提交的内容有误，请检查后重试。",
		"err.internal":        "系统出现内部错误，已记录。请稍后重试。",
		"err.upstream":        "外呼平台暂时不可用，请稍后重试。",
		"err.home":            "返回任务列表",
		"err.toolarge":        "提交的内容过大。",
		"err.requestid":       "请求编号：",
		"users.title":         "用户",
		"users.username":      "用户名",
		"users.password":      "密码",
		"users.role":          "角色",
		"users.status":        "状态",
		"users.created":       "创建时间",
		"users.actions":       "操作",
		"users.active":        "正常",
		"users.disabled":      "已停用",
		"users.disable":       "停用",
		"users.enable":        "启用",
		"users.setrole":       "修改角色",
		"users.resetpw":       "重置密码",
		"users.newpw":         "新密码",
		"users.create":        "新建用户",
		"users.add":           "添加",
		"users.you":           "（您）",
		"users.err.username":  "用户名须为 1–64 个字符，不能包含空格。",
		"users.err.taken":     "该用户名已存在。",
		"users.err.pwshort":   "密码至少 8 个字符。",
		"users.err.pwlong":    "密码过长：最多 72 字节（约 24 个汉字或 72 个英文字符）。",
		"users.err.role":      "请选择角色。",
		"users.err.lastadmin": "不能停用或降级最后一位管理员。",
		"users.created.ok":    "已创建用户 %s。",
		"users.role.ok":       "已将 %s 的角色改为%s。",
		"users.pw.ok":         "已重置 %s 的密码。",
		"users.disabled.ok":   "已停用 %s。",
		"users.enabled.ok":    "已启用 %s。",
	}, map[string]string{
		"app.name":            "dialdesk",
		"nav.tasks":           "Tasks",
		"nav.calls":           "Calls",
		"nav.users":           "Users",
		"nav.audit":           "Audit log",
		"nav.logout":          "Log out",
		"nav.main":            "Main navigation",
		"nav.lang":            "Language",
		"role.admin":          "admin",
		"role.manager":        "manager",
		"role.supervisor":     "supervisor",
		"demo.banner":         "Demo mode: the data comes from the built-in simulated platform, not real calls.",
		"common.retry":        "Retry",
		"common.save":         "Save",
		"common.cancel":       "Cancel",
		"common.back":         "Back",
		"common.none":         "—",
		"common.colon":        ": ",
		"common.close":        "Close",
		"login.title":         "Log in",
		"login.username":      "Username",
		"login.password":      "Password",
		"login.submit":        "Log in",
		"login.failed":        "Wrong username or password.",
		"login.slowdown":      "Too many attempts. Please try again in %d seconds.",
		"login.expired":       "Your session has expired. Please log in again.",
		"login.loggedout":     "You have logged out.",
		"err.title":           "Something went wrong",
		"err.notfound":        "The page you asked for does not exist.",
		"err.notfound.title":  "Page not found",
		"err.forbidden":       "Your role is not allowed to do this. Ask an administrator if you need access.",
		"err.forbidden.title": "Not allowed",
		"err.csrf":            "The page has expired or the request's origin could not be verified. Reload the page and try again.",
		"err.badrequest":      "Something in the request is not right. Please check and try again.",
		"err.internal":        "An internal error occurred and has been logged. Please try again later.",
		"err.upstream":        "The calling platform is not available right now. Please try again later.",
		"err.home":            "Back to the task list",
		"err.toolarge":        "The request is too large.",
		"err.requestid":       "Request ID: ",
		"users.title":         "Users",
		"users.username":      "Username",
		"users.password":      "Password",
		"users.role":          "Role",
		"users.status":        "Status",
		"users.created":       "Created",
		"users.actions":       "Actions",
		"users.active":        "active",
		"users.disabled":      "disabled",
		"users.disable":       "Disable",
		"users.enable":        "Enable",
		"users.setrole":       "Change role",
		"users.resetpw":       "Reset password",
		"users.newpw":         "New password",
		"users.create":        "New user",
		"users.add":           "Add",
		"users.you":           "(you)",
		"users.err.username":  "A username has 1–64 characters and no spaces.",
		"users.err.taken":     "This username is taken.",
		"users.err.pwshort":   "A password has at least 8 characters.",
		"users.err.pwlong":    "The password is too long: at most 72 bytes.",
		"users.err.role":      "Please choose a role.",
		"users.err.lastadmin": "The last administrator cannot be disabled or demoted.",
		"users.created.ok":    "User %s created.",
		"users.role.ok":       "%s is now %s.",
		"users.pw.ok":         "Password of %s reset.",
		"users.disabled.ok":   "%s disabled.",
		"users.enabled.ok":    "%s enabled.",
	})
}
