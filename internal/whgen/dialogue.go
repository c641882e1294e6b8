package whgen

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"dialdesk/platform"
	"dialdesk/store"
)

// Generated Chinese dialogue for the search benchmark: a robot following a
// script (with the product, amounts and dates varying) and a customer
// answering in everyday words, with the rare complaint (投诉, 12315,
// 举报), insult, opt-out and promise a supervisor searches for, names,
// numbers and the odd English word, so that queries of one, two, three and
// more characters meet both rare and common text.

var (
	products   = []string{"信用卡", "宽带", "保险", "理财产品", "会员卡", "贷款", "课程", "套餐", "家政服务", "体检套餐"}
	surnames   = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	robotLines = []string{
		"您好，请问是%s先生吗？我这边是%s的客服。",
		"打扰您一分钟，我们最近推出了一款%s，想跟您介绍一下。",
		"这款%s每个月只要%d元，比市面上便宜不少。",
		"现在办理的话，前三个月可以享受%d折优惠。",
		"请问您最近有没有这方面的需求呢？",
		"好的，那我稍后把详细资料发到您的手机上，您留意一下短信。",
		"方便加一下您的微信吗？我把活动细节发给您。",
		"理解的，那不打扰您了，祝您生活愉快，再见。",
		"我们的活动截止到%d月%d日，名额有限。",
		"您之前是否了解过我们的%s？",
		"我们是正规公司，您可以放心，所有费用都写在合同里。",
		"好的，我帮您登记一下，稍后会有专员联系您。",
		"请问您是本人在使用这个号码吗？",
		"这个问题我帮您记录下来，会有同事给您回电。",
		"我们保证不会泄露您的个人信息。",
		"办理后百分百返还%d元话费，免费送一个月的%s。",
	}
	customerLines = []string{
		"喂，你好。", "是的，什么事？", "你是哪里？", "嗯。", "好的。", "不需要，谢谢。", "我现在在忙，晚点再说吧。",
		"多少钱？", "有什么优惠吗？", "你发资料给我看看吧。", "我已经有了。", "考虑一下。", "可以加微信。", "我不感兴趣。",
		"你们怎么知道我的电话？", "这个靠谱吗？", "利息多少？", "我在开车，不方便。", "你再说一遍？", "听不清楚。",
		"我要问问我老婆。", "下个月再说吧。", "能便宜点吗？", "我的手机号是%s。", "我姓%s。", "VIP客户有什么待遇？",
		"你们公司在哪里？", "之前办过一次，不太好用。", "行，那你安排吧。", "这个月已经打了好几次了。",
	}
	rareLines = []string{
		"再打我就打12315投诉你们！", "我要投诉你们。", "你们这是骗子吧？", "我要举报你们。", "别打了，烦不烦。",
		"不要再打了，把我的号码删掉。", "退订。", "滚！", "你们再这样我就去媒体曝光。", "我已经跟12315反映过了。",
	}
)

// dialogue makes n turns (robot first, then by turns) of an answered call.
func dialogue(r *rand.Rand, n int, answer time.Time) []store.CallMessage {
	product := products[r.IntN(len(products))]
	name := string(surnames[r.IntN(len(surnames))])
	out := make([]store.CallMessage, 0, n)
	at := answer
	for i := range n {
		var text string
		sender := platform.SenderRobot
		if i%2 == 0 {
			line := robotLines[r.IntN(len(robotLines))]
			if i == 0 {
				line = robotLines[0]
			}
			text = fill(r, line, name, product)
		} else {
			sender = platform.SenderCustomer
			switch {
			case r.IntN(40) == 0:
				text = rareLines[r.IntN(len(rareLines))]
			default:
				text = fill(r, customerLines[r.IntN(len(customerLines))], name, product)
			}
		}
		out = append(out, store.CallMessage{Sender: sender, Content: text, At: at})
		at = at.Add(time.Duration(2000+r.IntN(6000)) * time.Millisecond)
	}
	return out
}

// fill puts values into a line's verbs: %s a name, product or phone
// number as the line wants, %d a number.
func fill(r *rand.Rand, line, name, product string) string {
	var args []any
	rest := line
	for {
		i := strings.IndexByte(rest, '%')
		if i < 0 || i+1 >= len(rest) {
			break
		}
		switch rest[i+1] {
		case 's':
			switch {
			case strings.Contains(line, "手机号"):
				args = append(args, fmt.Sprintf("1%02d%08d", 30+r.IntN(70), r.IntN(100_000_000)))
			case strings.Contains(line, "姓") || strings.Contains(line, "先生") && len(args) == 0:
				args = append(args, name)
			default:
				args = append(args, product)
			}
		case 'd':
			args = append(args, 1+r.IntN(300))
		}
		rest = rest[i+2:]
	}
	return fmt.Sprintf(line, args...)
}
