package sandbox

import (
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// outcome is how a call ended, in the sandbox's own words; icallStatus and v1Status
// map it onto the two surfaces' enumerations consistently.
type outcome int

const (
	outWaiting outcome = iota
	outConnected
	outNoAnswer
	outBusy
	outRejected
	outPoweredOff
	outVacant
	outSuspended
	outLineFault
	outCallLost
	outBarred
	outArrears
)

// icallStatus: 0 not dialed, 1 dialing, 2 connected, 3 no answer, 4 powered off,
// 5 suspended, 6 vacant, 7 rejected, 9 busy.
func (o outcome) icallStatus() int {
	switch o {
	case outConnected:
		return 2
	case outNoAnswer, outLineFault, outCallLost:
		return 3
	case outPoweredOff:
		return 4
	case outSuspended, outBarred, outArrears:
		return 5
	case outVacant:
		return 6
	case outRejected:
		return 7
	case outBusy:
		return 9
	}
	return 0
}

// v1Status: 0 waiting, 1 connected, 2 line fault, 3 rejected, 4 no answer, 5 vacant,
// 6 powered off, 7 suspended, 8 busy, 9 incoming barred, 10 arrears, 11 blacklisted, 12 call lost.
func (o outcome) v1Status() int {
	return [...]int{0, 1, 4, 8, 3, 6, 5, 7, 2, 12, 9, 10}[o]
}

var v1StatusText = [...]string{"等待呼叫", "呼叫成功", "线路故障", "拒接", "无应答", "空号", "关机", "停机", "占线、用户正忙", "呼入限制", "欠费", "黑名单", "呼损"}

func (o outcome) hangupCause() string {
	return [...]string{"", "NORMAL_CLEARING", "NO_ANSWER", "USER_BUSY", "CALL_REJECTED", "SUBSCRIBER_ABSENT",
		"UNALLOCATED_NUMBER", "NUMBER_CHANGED", "NORMAL_TEMPORARY_FAILURE", "RECOVERY_ON_TIMER_EXPIRE",
		"INCOMING_CALL_BARRED", "OUTGOING_CALL_BARRED"}[o]
}

func (o outcome) callStatus() string {
	return [...]string{"", "answer", "no answer", "busy now", "rejected", "power off", "vacant",
		"suspended", "line fault", "call lost", "barred", "arrears"}[o]
}

// outcomes and their weights (per mille): about half the calls connect.
var outcomeWeights = []struct {
	o outcome
	w int
}{
	{outConnected, 500}, {outNoAnswer, 180}, {outBusy, 80}, {outRejected, 60}, {outPoweredOff, 60},
	{outVacant, 40}, {outSuspended, 20}, {outLineFault, 20}, {outCallLost, 20}, {outBarred, 10}, {outArrears, 10},
}

// template is a script template: its first node is what query_template shows; its
// dialogue drives the transcripts of answered calls.
type template struct {
	id, name  string
	content   string // first node's text, with {variables}
	audio     int    // number of first-node audio files (0: record is "")
	groupID   int
	groupName string
	sceneID   string
	nodes     []node // main flow; nodes[0] is the opening
	closing   string // after the last node, when the customer agreed
	faq       string // answer to a question, before moving on
	created   string
	utterIDs  []string
}

type node struct {
	name, desc string
	text       string
	score      int // points for a positive answer here
}

// turn is one line of a call: the robot's or the customer's.
type turn struct {
	robot   bool
	text    string
	atMs    int64 // offset from answer
	durMs   int64
	node    string // node the robot line belongs to / the customer line matched
	branch  string // 肯定, 否定, 疑问, 忙 (customer lines)
	keyword string
	score   int
	tags    []*tag
	bridged bool
}

type reply struct{ text, keyword, tag string }

var replies = map[string][]reply{
	"肯定": {{"好的", "好的", ""}, {"可以啊", "可以", ""}, {"嗯,你说吧", "你说", ""}, {"挺好的", "好", ""}, {"行,有兴趣", "兴趣", ""}},
	"否定": {{"不需要,谢谢", "不需要", "明确拒绝"}, {"没兴趣", "没兴趣", "明确拒绝"}, {"不用了,别再打了", "不用", "投诉风险"}},
	"疑问": {{"你们是哪里的?", "哪里", "询问来源"}, {"这个多少钱?", "多少钱", "询问价格"}, {"怎么收费的?", "收费", "询问价格"}},
	"忙":  {{"我在开车,晚点再说吧", "开车", "在忙"}, {"现在在忙", "在忙", "在忙"}},
}

// persona is the kind of customer who answered.
type persona int

const (
	keen persona = iota
	maybe
	cold
	hangsUp
)

func pickBranch(p persona, i int, r *rand.Rand) string {
	x := r.IntN(100)
	switch p {
	case keen:
		if x < 80 {
			return "肯定"
		}
		return "疑问"
	case maybe:
		switch {
		case x < 45:
			return "肯定"
		case x < 80:
			return "疑问"
		default:
			return "忙"
		}
	default:
		switch {
		case i == 0 && x < 25:
			return "肯定"
		case x < 40:
			return "疑问"
		default:
			return "否定"
		}
	}
}

// speechMs is how long a line takes to say.
func speechMs(text string, perChar int64, r *rand.Rand) int64 {
	n := int64(utf8.RuneCountInString(text))
	return 400 + n*perChar + int64(r.IntN(300))
}

func fill(text string, vars map[string]string) string {
	if !strings.Contains(text, "{") {
		return text
	}
	for k, v := range vars {
		text = strings.ReplaceAll(text, "{"+k+"}", v)
	}
	// Variables the number did not bring are left out rather than shown raw.
	for {
		i := strings.Index(text, "{")
		j := strings.Index(text, "}")
		if i < 0 || j < i {
			return text
		}
		text = text[:i] + text[j+1:]
	}
}

// plan decides the whole course of c: outcome, ring time and, when answered, the
// dialogue with its timing, score, level, tags and intent.
func (w *world) plan(c *call, r *rand.Rand) {
	// How often a call connects depends on the hour and on the caller number
	// (connectShare); the unanswered rest keeps the weights' proportions.
	x := r.IntN(1000)
	conn := w.connectShare(c.caller, c.dialed)
	if x < conn {
		c.out = outConnected
	} else {
		x = outcomeWeights[0].w + (x-conn)*(1000-outcomeWeights[0].w)/(1000-conn)
		for _, ow := range outcomeWeights {
			if x < ow.w {
				c.out = ow.o
				break
			}
			x -= ow.w
		}
	}
	if c.out == outWaiting {
		c.out = outNoAnswer
	}
	c.cause = c.out.hangupCause()
	switch c.out {
	case outConnected:
		c.ringMs = 4000 + int64(r.IntN(14000))
	case outNoAnswer, outCallLost:
		c.ringMs = 30000 + int64(r.IntN(20000))
	case outBusy, outRejected:
		c.ringMs = 3000 + int64(r.IntN(10000))
	default:
		c.ringMs = 1500 + int64(r.IntN(5000))
	}
	if c.out != outConnected {
		return
	}
	c.gender = r.IntN(5)
	tpl := c.task.tpl
	var p persona
	switch x := r.IntN(100); {
	case x < 25:
		p = keen
	case x < 50:
		p = maybe
	case x < 85:
		p = cold
	default:
		p = hangsUp
	}
	vars := c.num.vars
	at := int64(300 + r.IntN(500))
	robot := func(nodeName, text string) {
		d := speechMs(text, 210, r)
		c.turns = append(c.turns, turn{robot: true, text: text, atMs: at, durMs: d, node: nodeName})
		at += d + int64(400+r.IntN(900))
	}
	customer := func(nodeName, branch string, rp reply, score int) {
		d := speechMs(rp.text, 260, r)
		t := turn{text: rp.text, atMs: at, durMs: d, node: nodeName, branch: branch, keyword: rp.keyword, score: score}
		if rp.tag != "" {
			t.tags = append(t.tags, w.tagByName[rp.tag])
		}
		c.turns = append(c.turns, t)
		c.score += score
		at += d + int64(500+r.IntN(800))
	}
	robot(tpl.nodes[0].name, fill(tpl.nodes[0].text, vars))
	c.hangupBy = 1
	if p == hangsUp {
		if r.IntN(2) == 0 {
			customer(tpl.nodes[0].name, "忙", reply{"喂?", "", ""}, 0)
		}
		c.hangupBy = 2
	} else {
	dialogue:
		for i := 0; i < len(tpl.nodes); i++ {
			branch := pickBranch(p, i, r)
			opts := replies[branch]
			rp := opts[r.IntN(len(opts))]
			score := 0
			switch branch {
			case "肯定":
				score = tpl.nodes[i].score
			case "疑问":
				score = 30
			case "忙":
				score = 10
			}
			customer(tpl.nodes[i].name, branch, rp, score)
			switch branch {
			case "否定":
				if r.IntN(3) == 0 {
					c.hangupBy = 2
					break dialogue
				}
				robot("结束语", "好的,那就不打扰您了,祝您生活愉快,再见。")
				break dialogue
			case "忙":
				robot("结束语", "好的,那我稍后再联系您,祝您生活愉快,再见。")
				break dialogue
			case "疑问":
				robot("常见问题", tpl.faq)
				if i+1 < len(tpl.nodes) {
					robot(tpl.nodes[i+1].name, fill(tpl.nodes[i+1].text, vars))
				}
			case "肯定":
				if i+1 < len(tpl.nodes) {
					robot(tpl.nodes[i+1].name, fill(tpl.nodes[i+1].text, vars))
				}
			}
			if i+1 == len(tpl.nodes) {
				if branch == "肯定" && p == keen && r.IntN(3) == 0 {
					t := w.tagByName["同意加微信"]
					c.turns[len(c.turns)-1].tags = append(c.turns[len(c.turns)-1].tags, t)
					robot("转人工", "好的,现在为您转接专属顾问,请稍等。")
					c.bridged = true
					at += 2000
					d := speechMs("好的,您稍等,我把资料发到您微信上。", 230, r)
					c.turns = append(c.turns, turn{text: "好的,您稍等,我把资料发到您微信上。", atMs: at, durMs: d, node: "转人工", bridged: true, robot: true})
					at += d + 800
					c.turns = append(c.turns, turn{text: "好的,谢谢", atMs: at, durMs: 1200, node: "转人工", branch: "肯定", keyword: "谢谢", bridged: true})
					at += 2000
					c.hangupBy = 2
				} else {
					if branch == "肯定" {
						c.turns[len(c.turns)-1].tags = append(c.turns[len(c.turns)-1].tags, w.tagByName["要求发资料"])
					}
					robot("结束语", tpl.closing)
				}
			}
		}
	}
	c.billMs = at + int64(r.IntN(600))
	c.level = w.levelFor(c.score)
	seen := map[*tag]bool{}
	for _, t := range c.turns {
		for _, tg := range t.tags {
			if tg != nil && !seen[tg] {
				seen[tg] = true
				c.tags = append(c.tags, tg)
			}
		}
	}
	c.intents = []string{c.level.alias}
	if seen[w.tagByName["要求发资料"]] {
		c.intents = append(c.intents, "要求发资料")
	}
	if seen[w.tagByName["询问价格"]] {
		c.intents = append(c.intents, "询问价格")
	}
}

func (c *call) rounds() int {
	n := 0
	for _, t := range c.turns {
		if !t.robot {
			n++
		}
	}
	return n
}
