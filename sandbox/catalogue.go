package sandbox

import "time"

// level is an intent level of surface B (v1/levels): a score range with a name and color.
type level struct {
	id, name, alias, color string
	min, max               int
}

// tagGroup is a parent tag (母标签); tag is a child tag (子标签) with a color.
type tagGroup struct {
	id, name, sceneID string
	tags              []*tag
}

type tag struct {
	id, name, desc, color string
	group                 *tagGroup
}

const userID = "4d99d91c-f5d9-49da-88da-758977cc58a9"

// catalogue fills the fixed parts of the account: levels, tags, caller lines, templates.
func (w *world) catalogue() {
	w.levels = []*level{
		{id: w.uuid(), name: "A级", alias: "有意向", color: "#e53935", min: 150, max: 9999},
		{id: w.uuid(), name: "B级", alias: "一般意向", color: "#fb8c00", min: 100, max: 149},
		{id: w.uuid(), name: "C级", alias: "可再次跟进", color: "#1e88e5", min: 50, max: 99},
		{id: w.uuid(), name: "D级", alias: "无意向", color: "#000", min: 0, max: 49},
	}
	scene := w.uuid()
	groups := []struct {
		name string
		tags [][3]string // name, description, color
	}{
		{"有意向", [][3]string{{"询问价格", "客户主动询问价格", "#f5a623"}, {"要求发资料", "客户同意接收资料", "#19be6b"}, {"同意加微信", "客户同意添加微信", "#2d8cf0"}}},
		{"弱意向", [][3]string{{"询问来源", "客户询问来电单位", "#2DF0D0"}, {"在忙", "客户在忙,稍后联系", "#ff9900"}}},
		{"无意向", [][3]string{{"明确拒绝", "客户明确拒绝", "#ed4014"}, {"投诉风险", "客户情绪激动,有投诉风险", "#515a6e"}}},
	}
	w.tagByName = map[string]*tag{}
	for _, g := range groups {
		tg := &tagGroup{id: w.uuid(), name: g.name, sceneID: scene}
		for _, t := range g.tags {
			x := &tag{id: w.uuid(), name: t[0], desc: t[1], color: t[2], group: tg}
			tg.tags = append(tg.tags, x)
			w.tagByName[x.name] = x
		}
		w.groups = append(w.groups, tg)
	}
	w.lines = []callerLine{{"02180344315", 2}, {"02566781234", 4}, {"01085123456", 3}, {"17361984317", 6}}

	created := w.now.Add(-90 * 24 * time.Hour)
	add := func(name, content string, audio, groupID int, groupName, faq, closing string, nodes ...node) {
		t := &template{
			id: w.hex(32), name: name, content: content, audio: audio,
			groupID: groupID, groupName: groupName, sceneID: scene,
			faq: faq, closing: closing, nodes: nodes,
			created: created.Add(time.Duration(groupID) * time.Hour).In(w.s.opts.Location).Format(v1Time),
		}
		for range nodes {
			t.utterIDs = append(t.utterIDs, w.uuid())
		}
		w.templates = append(w.templates, t)
	}
	add("车辆回收意向", "你好,请问您要卖车吗?", 1, 297, "二手车回收",
		"我们是正规的二手车回收平台,评估免费,不满意可以不卖。",
		"好的,稍后会有评估师和您联系,感谢您的接听,再见。",
		node{"流程1", "开场白", "你好,请问您要卖车吗?", 50},
		node{"流程2", "车况了解", "好的,请问您的车是哪一年上牌的,大概跑了多少公里呢?", 60},
		node{"流程3", "上门邀约", "我们可以免费上门评估,今天或者明天您哪个时间方便?", 60},
	)
	add("会员满意度回访", "您好,我是XXXX的体验专员,今天给您来电是想了解一下,您第一次在我们平台下单的体验怎么样?", 1, 298, "满意度回访",
		"我们是您下单平台的客服中心,这次回访不收取任何费用。",
		"了解了,我们会继续努力给您提供更好的服务,我们给您准备了一张10元无门槛的红包,希望您还可以继续支持我们。",
		node{"开场白", "开场白", "您好,我是XXXX的体验专员,今天给您来电是想了解一下,您第一次在我们平台下单的体验怎么样?", 50},
		node{"配送", "配送满意度", "请问您对我们的配送速度还满意吗?", 50},
		node{"推荐", "推荐意愿", "那您愿意把我们推荐给身边的朋友吗?", 60},
	)
	add("新品发布会邀约", "{参会人称呼}您好,诚邀您参加在{会议地点}举办的新品发布会。", 2, 299, "会议邀约",
		"本次发布会免费参加,现场还有伴手礼。",
		"好的,稍后会把邀请函发送到您的手机上,期待您的光临,再见。",
		node{"开场白", "开场白", "{参会人称呼}您好,诚邀您参加在{会议地点}举办的新品发布会。", 50},
		node{"时间确认", "时间确认", "发布会在本周六下午两点开始,请问您那天有时间吗?", 60},
		node{"人数确认", "人数确认", "请问您会带同事一起来吗?我们帮您预留座位。", 60},
	)
	add("英语课程推广", "同学,您好,我是英语网校的工作人员,想借用您几分钟时间做个简单的小回访。", 1, 300, "教育推广",
		"我们的课程支持七天无理由退款,费用可以分期。",
		"好的,稍后课程顾问会联系您安排免费试听,再见。",
		node{"流程1", "开场白", "同学,您好,我是英语网校的工作人员,想借用您几分钟时间做个简单的小回访。", 50},
		node{"流程2", "需求确认", "请问您目前在学习英语方面有什么需求吗,比如考试或者口语?", 50},
		node{"流程3", "试听邀约", "我们这周有免费的口语试听课,给您预约一节好吗?", 60},
	)
	add("接口调用", "", 0, 301, "接口调用",
		"这边是客服中心的回访电话。",
		"好的,感谢您的接听,再见。",
		node{"开场白", "开场白", "您好,这里是客服中心,打扰您一分钟时间。", 50},
		node{"确认", "信息确认", "请问您最近是否收到了我们寄出的包裹?", 60},
	)
	w.tplByID = map[string]*template{}
	for _, t := range w.templates {
		w.tplByID[t.id] = t
	}
}

func (w *world) levelFor(score int) *level {
	for _, l := range w.levels {
		if score >= l.min && score <= l.max {
			return l
		}
	}
	return w.levels[len(w.levels)-1]
}

func (w *world) line(tel string) bool {
	for _, l := range w.lines {
		if l.telephone == tel {
			return true
		}
	}
	return false
}

// region of a number: province and city, operator, area and post code.
type region struct {
	provID   int
	province string
	cityID   int
	city     string
	area     string
	post     string
}

var regions = []region{
	{3, "江苏", 12, "南京", "025", "210000"},
	{1, "北京", 1, "北京", "010", "100000"},
	{2, "上海", 2, "上海", "021", "200000"},
	{4, "广东", 20, "广州", "020", "510000"},
	{4, "广东", 21, "深圳", "0755", "518000"},
	{5, "浙江", 30, "杭州", "0571", "310000"},
	{6, "四川", 40, "成都", "028", "610000"},
	{7, "湖北", 50, "武汉", "027", "430000"},
	{8, "山东", 60, "济南", "0531", "250000"},
	{9, "陕西", 70, "西安", "029", "710000"},
}

func regionOf(phone string) region {
	if len(phone) > 3 && phone[0] == '0' {
		for _, r := range regions {
			if len(phone) > len(r.area) && phone[:len(r.area)] == r.area {
				return r
			}
		}
	}
	return regions[hashString(phone)%uint64(len(regions))]
}

// operator of a number: 1 移动 (yd), 2 联通 (lt), 3 电信 (dx).
func operatorOf(phone string) int {
	if len(phone) < 3 || phone[0] == '0' {
		return 3
	}
	switch phone[:3] {
	case "130", "131", "132", "145", "155", "156", "166", "175", "176", "185", "186":
		return 2
	case "133", "149", "153", "173", "177", "180", "181", "189", "190", "191", "193", "199":
		return 3
	}
	return 1
}

var operatorNames = [...]string{"未知", "移动", "联通", "电信"}
var operatorCodes = [...]string{"", "yd", "lt", "dx"}
var genderNames = [...]string{"未知", "女", "男", "疑似女", "疑似男"}

const v1Time = "2006-01-02 15:04:05"
