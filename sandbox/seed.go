package sandbox

import (
	"fmt"
	"strconv"
	"time"
)

// seedTask is one task of the demo world and the life it has led by now.
type seedTask struct {
	name       string
	tpl        int
	robots     int
	numbers    int
	slot       string
	hide       int
	numericOut bool
	// what happens to it during the seeded hour: at minute pauseAt it is paused,
	// at endAt ended, at the last minute deleted.
	pauseAt, endAt int
	deleted        bool
	validity       string // "", "expiring" (ends 15 min ago) or "tomorrow"
	noNumbers      bool
}

// seedDemo populates the demo world by living through the hour before now: tasks
// are created and given numbers, the clock runs, some are paused, ended, deleted.
// So the calls, timestamps and counts are what the platform itself would show.
func (w *world) seedDemo() {
	end := w.now
	w.now = end.Add(-time.Hour)
	local := end.In(w.s.opts.Location)
	night := (local.Hour() + 3) % 24
	narrow := fmt.Sprintf("%02d:00-%02d:59", night, night)
	all := "00:00-23:59"
	tasks := []seedTask{
		{name: "接口调试", tpl: 4, robots: 1, numbers: 5, slot: all},
		{name: "双十一预热回访", tpl: 0, robots: 4, numbers: 80, slot: all, numericOut: true},
		{name: "会员满意度回访-2月", tpl: 1, robots: 3, numbers: 60, slot: all},
		{name: "门店开业通知", tpl: 4, robots: 2, numbers: 200, slot: all, endAt: 30},
		{name: "二手车估价回访", tpl: 0, robots: 2, numbers: 300, slot: all, validity: "expiring"},
		{name: "老客户激活", tpl: 1, robots: 3, numbers: 300, slot: all, pauseAt: 20},
		{name: "会员续费提醒", tpl: 4, robots: 2, numbers: 250, slot: "08:00-12:00,13:00-23:59", pauseAt: 35, hide: 1},
		{name: "618大促预热", tpl: 0, robots: 2, numbers: 180, slot: all, pauseAt: 45, numericOut: true},
		{name: "测试任务-请删除", tpl: 4, robots: 1, numbers: 20, slot: all, deleted: true},
		{name: "春季促销回访", tpl: 0, robots: 5, numbers: 3000, slot: all, numericOut: true},
		{name: "会员满意度调查-3月", tpl: 1, robots: 4, numbers: 2000, slot: all},
		{name: "促销<b>回访</b> & 测试", tpl: 0, robots: 2, numbers: 600, slot: all, hide: 2},
		{name: "新品发布会邀约-上海站", tpl: 2, robots: 3, numbers: 1200, slot: all},
		{name: "夜间专场通知", tpl: 3, robots: 3, numbers: 200, slot: narrow},
		{name: "英语试听课推广", tpl: 3, robots: 20, numbers: 600, slot: all},
		{name: "五一活动预告", tpl: 2, robots: 2, slot: all, noNumbers: true},
		{name: "周年庆邀约", tpl: 2, robots: 3, numbers: 120, slot: "09:00-20:00", validity: "tomorrow"},
		{name: "话术测试-A", tpl: 3, robots: 1, slot: "09:00-18:00", noNumbers: true},
		{name: "重复创建的任务", tpl: 1, robots: 1, slot: "09:00-18:00", noNumbers: true, deleted: true},
		{name: "保险到期提醒", tpl: 1, robots: 2, numbers: 90, slot: all, validity: "expiring"},
	}
	made := make([]*task, len(tasks))
	for i, st := range tasks {
		t := w.newTask(w.newTaskID())
		t.name, t.tpl, t.robotNum, t.timeType = st.name, w.templates[st.tpl], st.robots, 2
		t.slotText = st.slot
		t.slots, _ = parseSlots(st.slot)
		t.numberHide = st.hide
		t.telephones = []string{w.lines[i%len(w.lines)].telephone}
		if i%3 == 0 {
			t.telephones = append(t.telephones, w.lines[(i+1)%len(w.lines)].telephone)
		}
		t.created = w.now.Add(-time.Duration(len(tasks)-i) * 7 * time.Hour)
		t.updated = t.created
		switch st.validity {
		case "expiring":
			t.timeType = 1
			t.startMs = w.ms(end.Add(-72 * time.Hour))
			t.endMs = w.ms(end.Add(-15 * time.Minute))
		case "tomorrow":
			t.timeType = 1
			day := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, w.s.opts.Location)
			t.startMs = w.ms(day)
			t.endMs = w.ms(day.Add(7 * 24 * time.Hour))
		}
		if !st.noNumbers {
			w.seedNumbers(t, i, st)
		}
		made[i] = t
	}
	for minute := 1; minute <= 60; minute++ {
		w.advance(time.Minute, time.Minute)
		for i, st := range tasks {
			t := made[i]
			switch {
			case st.pauseAt == minute && (t.status == taskRunning || t.status == taskQueued || t.status == taskOutside):
				w.setStatus(t, taskPaused)
			case st.endAt == minute && t.status != taskFinished && t.status != taskDeleted:
				w.setStatus(t, taskFinished)
			case minute == 60 && st.deleted:
				w.setStatus(t, taskDeleted)
			}
		}
	}
	w.now = end
	w.pushes = nil
}

var mobilePrefixes = []string{"138", "139", "135", "150", "182", "187", "130", "131", "186", "155", "133", "153", "180", "189", "177", "199", "136", "158"}
var areaCodes = []string{"025", "021", "010", "0571", "020", "0755"}
var names = []string{"王先生", "李女士", "张先生", "刘女士", "陈先生", "杨女士", "赵先生", "黄女士"}
var places = []string{"银海大厦", "国际会展中心", "世纪酒店三楼", "科技园报告厅"}

func (w *world) seedNumbers(t *task, i int, st seedTask) {
	for k := 0; len(t.numbers) < st.numbers; k++ {
		var phone string
		if w.rng.IntN(20) == 0 {
			ac := areaCodes[w.rng.IntN(len(areaCodes))]
			phone = ac + strconv.Itoa(60000000 + w.rng.IntN(39999999))[:11-len(ac)]
		} else {
			phone = mobilePrefixes[w.rng.IntN(len(mobilePrefixes))] + fmt.Sprintf("%08d", w.rng.IntN(100000000))
		}
		if t.phones[phone] {
			continue
		}
		outid := fmt.Sprintf("KH%02d%05d", i+1, k+1)
		if st.numericOut {
			outid = fmt.Sprintf("%d%011d", 12345+i, k+1)
		}
		var vars map[string]string
		if t.tpl == w.templates[2] {
			vars = map[string]string{"参会人称呼": names[w.rng.IntN(len(names))], "会议地点": places[w.rng.IntN(len(places))]}
		}
		w.addNumber(t, phone, outid, vars)
	}
}
