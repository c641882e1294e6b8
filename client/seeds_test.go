package client

import (
	"context"
	"net/http"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// seedServer answers every endpoint with the vendor manual's example body for it
// (testdata/a_<endpoint>.json, testdata/b_<name>.json), after checking the
// credentials the way the platform would.
func seedServer(t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		var file string
		switch {
		case strings.HasPrefix(p, "/api/icall/5/task/"):
			if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
				if err2 := r.ParseForm(); err2 != nil {
					t.Errorf("%s: parse form: %v", p, err2)
				}
			}
			if r.FormValue("appid") != testAppID || r.FormValue("signature") != testSig {
				t.Errorf("%s: credentials missing: appid=%q signature=%q", p, r.FormValue("appid"), r.FormValue("signature"))
			}
			if r.Method == http.MethodGet && r.URL.Query().Get("appid") != testAppID {
				t.Errorf("%s: GET without appid in the query", p)
			}
			file = "a_" + path.Base(p) + ".json"
		case p == "/v1/task/query_done_task_phones":
			file = "b_query_done_task_phones.json"
		case p == "/v1/task/number":
			file = "b_task_number.json"
		case strings.HasPrefix(p, "/v1/record/"):
			file = "b_record.json"
		case strings.HasPrefix(p, "/v1/task/record_info/"):
			file = "b_record_info.json"
		default:
			http.NotFound(w, r)
			return
		}
		if strings.HasPrefix(p, "/v1/") && r.Header.Get("Authorization") != "Bearer "+testToken {
			t.Errorf("%s: Authorization = %q", p, r.Header.Get("Authorization"))
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(readTestdata(t, file))
	})
}

func TestSeedBodiesSurfaceA(t *testing.T) {
	c := newTestClient(t, seedServer(t))
	ctx := context.Background()
	greeting := "您好,我是XXX的体验专员,今天给您来电是想了解一下,您第一次在我们平台下单的体验怎么样?"
	greeting4 := "您好,我是XXXX的体验专员,今天给您来电是想了解一下,您第一次在我们平台下单的体验怎么样?"

	tests := []struct {
		name string
		call func() (any, error)
		want any
	}{
		{"check_login_name", func() (any, error) { return c.CheckLoginName(ctx, "a@b.com") },
			LoginCheck{OK: true}},
		{"query_template", func() (any, error) { return c.QueryTemplates(ctx) }, []Template{
			{ID: "6a9b98410bd44470ae4660275c14792f", Name: "内容输出测试", Content: "你好,请问您要卖车吗?",
				Record: "http://sobot-test.oss-cn-beijing.aliyuncs.com/call/ai/TTS/4401f750a3eef4c41805df1341218166.mp3"},
			{ID: "1bf61b127bbd4921b482eb35fde5d215", Name: "测试0312", Content: "你好",
				Record: "http://sobot-test.oss-cn-beijing.aliyuncs.com/call/ai/TTS/1031cfafda3f770ac4a7b51e5f164981.mp3"},
			{ID: "6a6d592bf37e4898bcfafd1cb4384f29", Name: "接口调用"},
			{ID: "43016bcbf54740b78672788ba2aab59a", Name: "测试11", Content: "开场白",
				Record: "http://sobot.oss-cn-beijing.aliyuncs.com/icall/voice/7201f49f125d47e79d5bdd1421b14c25/f1bafa17e5e1492ba1de859a8abba66e.wav,http://sobot.oss-cn-beijing.aliyuncs.com/icall/voice/7201f49f125d47e79d5bdd1421b14c25/0d6e655090ad4f8993eebb6b1ab79dd5.wav"},
		}},
		{"query_robot_num", func() (any, error) { return c.QueryRobotNum(ctx) }, 4},
		{"query_number", func() (any, error) {
			n, total, err := c.QueryNumbers(ctx)
			return struct {
				N     []CallerNumber
				Total int
			}{n, total}, err
		}, struct {
			N     []CallerNumber
			Total int
		}{[]CallerNumber{{Telephone: "02180344315", Count: 2}}, 2}},
		{"add_task", func() (any, error) {
			return c.AddTask(ctx, AddTaskRequest{TemplateID: "t", TaskName: "n", Telephones: []string{"02180344315"},
				RobotNum: 1, TimeType: TimeTypePermanent, CallTimeSlots: []string{"09:00-20:00"}})
		}, "XXXXXX"},
		{"add_task_data", func() (any, error) {
			return c.AddTaskData(ctx, "task", []DataRow{{Telephone: "15988888888", OutID: "o1", Variables: "会议地点^银海大厦|参会人性别^先生"}})
		}, AddDataResult{Rows: 1, Batches: 1}},
		{"add_task_file_data", func() (any, error) {
			return c.AddTaskFileData(ctx, "task", "n.xlsx", strings.NewReader("PK fake"))
		}, &FileImportResult{Counts: 2, DefeatCounts: 1, SuccessCounts: 1, ErrorData: []FlexInt{3},
			Message: "本次导入数据2条,成功1条,过滤免打扰客户数据0条,失败1条"}},
		{"query_task_data", func() (any, error) { return c.QueryTaskData(ctx, "task", "out") }, &CallResult{
			Messages: []Message{
				{CallID: "soboticallebb1c75dc9794510aa0c1ed76fb0c576", Content: FlexString(greeting), DateTime: 1570607971174, SenderType: SenderRobot},
				{CallID: "soboticallebb1c75dc9794510aa0c5ed76fb0c576", Content: "挺好的", DateTime: 1570608002233, SenderType: SenderCustomer},
			},
			Detail: CallDetail{
				CallID: "soboticallebb1c75dc9794510aa0c1ed76fb0c576", AnswerTime: 1570607985848, StartTime: 1570607970268,
				Caller:   "02180344315",
				VoiceURL: "http://sobot-test.oss-cn-beijing.com/call/ai/d8c3a878727c4beda55bae9ec183297f/20191009/20191009155930_soboticallebb1c75dc9794510aa0c5ed76fb0c576.wav",
				EndTime:  1570608025308, FeeDuration: 39460, Tel: "182****6077", UserMsgCount: 1, CallDuration: 55040,
				Status: CallConnected,
			},
		}},
		{"query_task", func() (any, error) { return c.QueryTasks(ctx) }, []Task{
			{ID: "100018163bcf0dc314eadaf7e13280548658c", Name: "任务1", Status: TaskNotStarted},
			{ID: "10001de2077f6e3724924a978afdf86070ad6", Name: "任务2", Status: TaskRunning},
			{ID: "1000182e3744c81954b6d9306cb0343527aab", Name: "任务2", Status: TaskPaused},
		}},
		{"editor_task", func() (any, error) {
			name := "新名字"
			return nil, c.EditTask(ctx, EditTaskRequest{TaskID: "t", TaskName: &name})
		}, nil},
		{"pause_task", func() (any, error) { return nil, c.PauseTask(ctx, "t") }, nil},
		{"resume_task", func() (any, error) { return nil, c.ResumeTask(ctx, "t") }, nil},
		{"end_task", func() (any, error) { return nil, c.EndTask(ctx, "t") }, nil},
		{"delete_task", func() (any, error) { return nil, c.DeleteTask(ctx, "t") }, nil},
		{"query_task_info", func() (any, error) {
			return c.QueryTaskInfo(ctx, []string{"10001ec873e088ee0419293886b75ed9db814", "1000110d35472707c4067808f68271e07e787"})
		}, []TaskInfo{ // in the order asked, not the order answered
			{ID: "10001ec873e088ee0419293886b75ed9db814", Name: "1227", Status: TaskFinished, Telephone: "02180344315",
				RobotNum: 1, CallTimeSlot: "09:00-20:00", TimeType: TimeTypePermanent,
				CallTotalData: 6, CallTimes: 6, CallConnectedTimes: 6, CallIntentTimes: 0},
			{ID: "1000110d35472707c4067808f68271e07e787", Name: "1212-01", Status: TaskPaused, Telephone: "02180344315",
				RobotNum: 4, CallTimeSlot: "09:00-20:00", TimeType: TimeTypePermanent,
				CallTotalData: 508, CallTimes: 115, CallConnectedTimes: 5, CallIntentTimes: 1},
		}},
		{"delete_task_data", func() (any, error) { return c.DeleteTaskData(ctx, "t", []string{"a", "b"}) }, 2},
		{"calls_count", func() (any, error) {
			return c.CallsCount(ctx, []string{"100017add6b22e5884678a6c1c861f73beae8", "100010484d4fb8d734888b0ec89f0978d5e20"},
				time.UnixMilli(1577436030000), time.UnixMilli(1579086041000))
		}, []TaskCallCount{
			{TaskID: "100017add6b22e5884678a6c1c861f73beae8", TaskName: "20.01.15测试", Count: 25},
			{TaskID: "100010484d4fb8d734888b0ec89f0978d5e20", TaskName: "测试任务", Count: 1},
		}},
		{"query_time_task_data", func() (any, error) {
			return c.QueryTimeTaskData(ctx, TimeTaskQuery{TaskID: "100017add6b22e5884678a6c1c861f73beae8",
				Begin: time.UnixMilli(1575189630001), End: time.UnixMilli(1579086041000), PageNum: 1})
		}, &TimeTaskPage{PageNum: 1, PageCount: 13, TotalCount: 25, Data: []CallResult{
			{
				Messages: []Message{{CallID: "soboticall7b2e7dbb3006439195d03daed5088ff5", Content: FlexString(greeting4), DateTime: 1579084972898, SenderType: SenderRobot}},
				Detail: CallDetail{CallID: "soboticall7b2e7dbb3006439195d03daed5088ff5", AnswerTime: 0, DelFlag: -1,
					VoiceURL: "http://sobot-test.oss-cn-beijing.aliyuncs.com/call/ai/123456/20200115/20200115184252_soboticall7b2e7dbb3006439195d03daed5088ff5.wav",
					EndTime:  1579084974374, FeeDuration: 0, UserMsgCount: 0, CallDuration: 1930, StartTime: 1579084972444,
					Caller: "02180344315", Tel: "18201666077", Status: CallNoAnswer},
			},
			{
				Messages: []Message{
					{CallID: "soboticall51d0048b18394c4d9bcaa5981bcb08f3", Content: FlexString(greeting4), DateTime: 1579084972897, SenderType: SenderRobot},
					{CallID: " soboticall51d0048b18394c4d9bcaa5981bcb08f3", Content: "挺好的", DateTime: 1579084975134, SenderType: SenderCustomer},
				},
				Detail: CallDetail{CallID: "soboticall51d0048b18394c4d9bcaa5981bcb08f3", AnswerTime: 0, DelFlag: 1,
					VoiceURL: "http://sobot-test.oss-cn-beijing.aliyuncs.com/call/ai/123456/20200115/20200115184252_soboticall51d0048b18394c4d9bcaa5981bcb08f3.wav",
					EndTime:  1579084974547, CallDuration: 2120, StartTime: 1579084972427,
					Caller: "02180344315", Tel: "18500974776", Status: CallNoAnswer},
			},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.call()
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSeedDerivedHelpers(t *testing.T) {
	c := newTestClient(t, seedServer(t))
	ctx := context.Background()
	tpls, err := c.QueryTemplates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := tpls[3].Records(); len(got) != 2 || !strings.HasSuffix(got[1], "0d6e655090ad4f8993eebb6b1ab79dd5.wav") {
		t.Errorf("Records() = %q", got)
	}
	if got := tpls[2].Records(); got != nil {
		t.Errorf("empty record: Records() = %q, want nil", got)
	}
	infos, err := c.QueryTaskInfo(ctx, []string{"1000110d35472707c4067808f68271e07e787"})
	if err != nil {
		t.Fatal(err)
	}
	ti := infos[0]
	if ti.StartTime.IsZero() != true || !ti.EndTime.Time().IsZero() {
		t.Errorf("null start/end time: %v %v", ti.StartTime, ti.EndTime)
	}
	near := func(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
	if !near(ti.ConnectRate(), 5.0/115) || !near(ti.IntentRate(), 1.0/5) || !near(ti.Progress(), 115.0/508) {
		t.Errorf("rates: %v %v %v", ti.ConnectRate(), ti.IntentRate(), ti.Progress())
	}
	page, err := c.QueryTimeTaskData(ctx, TimeTaskQuery{TaskID: "x"})
	if err != nil {
		t.Fatal(err)
	}
	d := page.Data[0].Detail
	if d.Answered() || !d.Deleted() || page.Data[1].Detail.Deleted() {
		t.Errorf("answer_time \"0\" / del_flag: Answered=%v Deleted=%v", d.Answered(), d.Deleted())
	}
	if got, want := d.StartTime.Time(), time.UnixMilli(1579084972444); !got.Equal(want) {
		t.Errorf("StartTime.Time() = %v, want %v", got, want)
	}
}

func TestSeedPush(t *testing.T) {
	p, err := ParsePush(readTestdata(t, "a_push.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := &Push{RetCode: "000000", CallResult: CallResult{
		Messages: []Message{
			{CallID: "soboticallbcf37279feb441ee99f33a9814d26b00", Content: "您好,我是XXXX的体验专员,今天给您来电是想了解一下,您第一次在我们平台下单的体验怎么样?", DateTime: 1576551750959, SenderType: SenderRobot},
			{CallID: "soboticallbcf37279feb441ee99f33a9814d26b00", Content: "挺好的", DateTime: 1576551784241, SenderType: SenderCustomer, Remark: "匹配到:【开场白#肯定】"},
			{CallID: "soboticallbcf37279feb441ee99f33a9814d26b00", Content: "了解了,我们会继续努力给您提供更好的服务,我们给您准备了一张10元无门槛的红包,希望您还可以继续支持我们。", DateTime: 1576551784243, SenderType: SenderRobot},
		},
		Detail: CallDetail{
			CallID: "soboticallbcf37279feb441ee99f33a9814d26b00", AnswerTime: 1576551759848,
			VoiceURL: "http: //sobot-test.oss-cn-beijing.com/call/ai/123456/20191217/20191217110230_soboticallbcf37279feb441ee99f33a9814d26b00.wav",
			EndTime:  1576551789308, FeeDuration: 29460, UserMsgCount: 1, CallDuration: 39440, StartTime: 1576551749868,
			Caller: "02180344315", OutID: "1234554321123666", Tel: "18207736077",
			IntentionName: Intentions{"有意向购买", "满意"}, Status: CallConnected,
		},
	}}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !p.OK() {
		t.Error("OK() = false")
	}
}

func TestSeedBodiesSurfaceB(t *testing.T) {
	c := newTestClient(t, seedServer(t))
	ctx := context.Background()

	t.Run("query_done_task_phones", func(t *testing.T) {
		page, err := c.QueryDoneTaskPhones(ctx, RecordQuery{TaskID: "234cdcac-501c-47b5-9c06-47a658f363b8", Page: 1})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 1 || page.LastPage != 1 || page.PerPage != 15 || len(page.Records) != 1 {
			t.Fatalf("page = %+v", page)
		}
		r := page.Records[0]
		want := Record{
			ID: "6d44d2f4-90f9-4621-8c77-e5e70c810623", TaskID: "234cdcac-501c-47b5-9c06-47a658f363b8", GroupID: 299,
			CallID: "d6a577d4-7180-11e9-80bd-7fed30fcff3f", Score: 0, Callee: "18810495721", CallerNumber: "300708",
			Duration: 60080, Gender: 1, GenderStr: "未知", LevelID: "e605e0b0-96b2-4af0-9b78-7cdd5fc6b783",
			CallDate: "2019-05-08 19:02:58", Bill: 31319, HangupCause: "NORMAL_CLEARING", HangupDate: "2019-05-08 19:03:58",
			AnswerDate:        "2019-05-08 19:03:26",
			RecordFile:        "/mnt/smartivr/recordings/2019-05-08/18810495721.299.19-03-27.d6a577d4-7180-11e9-80bd-7fed30fcff3f.wav",
			HangupDisposition: HangupRobot, HangupDispStr: "AI", CreatedAt: "2019-05-08 19:03:27", UpdatedAt: "2019-05-08 19:03:59",
			Rounds: 0, LevelName: "D級(jí)(無意向)", ReadAt: "2020-03-06 23:06:46", ProvinceID: 3, CityID: 12, Operator: 2,
			OperatorName: "聯(lián)通",
			Level:        &Level{ID: "e605e0b0-96b2-4af0-9b78-7cdd5fc6b783", Name: "D級(jí)", Alias: "無意向", Color: "#000"},
			City:         &Place{ID: 12, PID: 3, City: "南京", AreaCode: "025", PostCode: "210000"},
			Province:     &Place{ID: 3, City: "江蘇", AreaCode: "0519", PostCode: "213000"},
			Tags: []Tag{{ID: "ee109a20-6b98-4463-94fe-ea730e2188c7", Name: "臟話", Description: "臟話", Color: "#2d8cf0", Status: true,
				TagGroups: []TagGroup{{ID: "fbe408c5-f77f-49cd-9bd1-85ca0b434bcc", Name: "無意向", TagSceneID: "a13ad9cb-d9be-4498-bfe3-cd32c677f0dd"}}}},
			TagGroups: []TagGroup{
				{ID: "f7eba8dd-3721-4e15-b197-6b0c16639eec", Name: "有意向", TagSceneID: "a13ad9cb-d9be-4498-bfe3-cd32c677f0dd"},
				{ID: "f7eba8dd-3721-4e15-b197-6b0c16639eec", Name: "有意向", TagSceneID: "a13ad9cb-d9be-4498-bfe3-cd32c677f0dd"},
				{ID: "fbe408c5-f77f-49cd-9bd1-85ca0b434bcc", Name: "無意向", TagSceneID: "a13ad9cb-d9be-4498-bfe3-cd32c677f0dd"},
			},
		}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("task_number", func(t *testing.T) {
		page, err := c.TaskNumbers(ctx, NumberQuery{TaskID: "772dd881-dcf7-42ee-a32b-b40a0ee5afb7", CallHistory: true})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 1 || page.LastPage != 1 || page.Page != 1 || len(page.Numbers) != 1 {
			t.Fatalf("page = %+v", page)
		}
		n := page.Numbers[0]
		want := Number{ID: "1691", Number: "18651683344", City: "南京", Province: "江蘇", MobileType: "聯(lián)通",
			AreaCode: "025", PostCode: "210000", StatusStr: "呼叫成功", CallID: "90a48ed3-a5f6-4904-b1f3-a9ec883b069f",
			CallDate: "2020-03-06 23:04:37", Bill: 26638, Duration: 35639, HangupCause: "NORMAL_CLEARING",
			HangupDate: "2020-03-06 23:05:12", AnswerDate: "2020-03-06 23:04:46", Status: NumberConnected,
			CallHistory: []CallAttempt{
				{ID: "356036", TaskID: "772dd881-dcf7-42ee-a32b-b40a0ee5afb7", CallID: "90a48ed3-a5f6-4904-b1f3-a9ec883b069f",
					NumberID: "1691", Number: "18651683344", CallTime: "2020-03-06 23:04:37", Duration: 35639,
					HangupCause: "NORMAL_CLEARING", HangupCode: "200", Bill: 26638, CallStatus: "answer", Status: NumberConnected,
					RecordFile:    "/mnt/smartivr/recordings/2020-03-06/18651683344.90a48ed3-a5f6-4904-b1f3-a9ec883b069f.wav",
					CallingNumber: "17361984317", Operator: 2, CreatedAt: "2020-03-06 23:05:14", StatusStr: "呼叫成功"},
				{ID: "354060", TaskID: "772dd881-dcf7-42ee-a32b-b40a0ee5afb7", CallID: "1569523c-d3d3-48fd-97a0-ad88d6606a19",
					NumberID: "1691", Number: "18651683344", CallTime: "2020-03-04 20:50:36", Duration: 13339,
					HangupCause: "NORMAL_CLEARING", Bill: 0, CallStatus: "busy now", Status: NumberBusy,
					CallingNumber: "17361984317", Operator: 2, CreatedAt: "2020-03-04 20:50:50", StatusStr: "占線、用戶正忙"},
			}}
		if diff := cmp.Diff(want, n); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("record", func(t *testing.T) {
		r, err := c.Record(ctx, "b1e91cb9-5994-47cc-a5df-25c3e8439a99")
		if err != nil {
			t.Fatal(err)
		}
		want := &Record{ID: "b1e91cb9-5994-47cc-a5df-25c3e8439a99", TaskID: "d77d6f95-0e40-46d4-8bda-30343411da47",
			GroupID: 297, CallID: "eb9464a2-adf2-4621-9157-64892e86e273", Score: 165, Callee: "1890685250",
			CallerNumber: "17368564879", Duration: 58999, Gender: 2, LevelID: "d968d649-fe6f-425f-a3d4-aa800b8740ba",
			CallDate: "2020-02-22 15:16:56", Bill: 48079, HangupCause: "NORMAL_CLEARING", HangupDate: "2020-02-22 15:17:55",
			AnswerDate:        "2020-02-22 15:17:07",
			RecordFile:        "/mnt/smartivr/recordings/2020-02-22/18906023250.eb9464a2-adf2-4621-9157-64892e86e273.wav",
			HangupDisposition: HangupCustomer, CreatedAt: "2020-02-22 15:17:07", UpdatedAt: "2020-03-02 16:08:51",
			Rounds: 12, LevelName: "C級(jí)(可再次跟進(jìn))", ReadAt: "2020-03-02 16:08:51", GenderStr: "男", HangupDispStr: "客戶"}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		shanghai := c.Location()
		if got := r.CallDate.In(shanghai); got.Unix() != time.Date(2020, 2, 22, 7, 16, 56, 0, time.UTC).Unix() {
			t.Errorf("CallDate.In(Shanghai) = %v", got)
		}
	})

	t.Run("record_info", func(t *testing.T) {
		ri, err := c.RecordInfo(ctx, "840a4346-d0ac-4800-9c73-3d06275a9158", "9c736f53-0c1b-4047-b30a-dd87d2968541")
		if err != nil {
			t.Fatal(err)
		}
		if len(ri.Records) != 5 {
			t.Fatalf("records: %d, want 5", len(ri.Records))
		}
		type turn struct {
			Seq                    int
			Notify, Q, A, Keyword  string
			Tags                   []string
			TagGroupsOfFirstTag    []string
			SpeakMS, PlayMS, Score int
		}
		var got []turn
		for _, tr := range ri.Turns() {
			x := turn{Seq: int(tr.Sequence), Notify: tr.Notify, Q: tr.Question, A: tr.AnswerContent, Keyword: tr.Keyword,
				SpeakMS: int(tr.SpeakMS), PlayMS: int(tr.PlayMS), Score: int(tr.Score)}
			for _, tg := range tr.Tags {
				x.Tags = append(x.Tags, tg.Name+" "+tg.Color)
			}
			if len(tr.Tags) > 0 {
				for _, g := range tr.Tags[0].TagGroups {
					x.TagGroupsOfFirstTag = append(x.TagGroupsOfFirstTag, g.ID.String()+" "+g.Name)
				}
			}
			got = append(got, x)
		}
		want := []turn{
			{Seq: 1, Notify: "enter", A: "同學(xué),您好,我是滬江網(wǎng)校的工作人員,來電是因?yàn)榱私獾侥瓣P(guān)注過英文學(xué)習(xí)方面,想借用您幾分鐘時(shí)間做個(gè)簡(jiǎn)單的小回訪,希望在英文學(xué)習(xí)上給您帶來幫助\n普通文本,沒有變量\n羅文龍先生",
				Tags: []string{"承認(rèn)發(fā)布 #2DF0D0"}, TagGroupsOfFirstTag: []string{"1 弱意向"}},
			{Seq: 3, Notify: "asrmessage_notify", Q: "啊", SpeakMS: 875, PlayMS: 740},
			{Seq: 5, Notify: "asrmessage_notify", Q: "不再見,再見。", Keyword: "再見", A: "感謝您的接聽,我就打擾您了,祝您生活愉快,再見", SpeakMS: 1395, PlayMS: 3280},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Turns() (-want +got):\n%s", diff)
		}
		if got := ri.Records[4].Contents; len(got) != 1 || got[0].WavSecond != 3.577875 || !bool(got[0].Status) {
			t.Errorf("contents = %+v", got)
		}
		rec := ri.Info.Record
		if rec.ID != "9c736f53-0c1b-4047-b30a-dd87d2968541" || rec.Rounds != 2 || rec.Bill != 10120 || rec.Level == nil || rec.Level.Name != "D級(jí)" {
			t.Errorf("info.record = %+v", rec)
		}
		task := ri.Info.Task
		if task.Name != "教育測(cè)試2" || task.Group == nil || task.Group.ID != 297 || task.Group.TagSceneID != "a13ad9cb-d9be-4498-bfe3-cd32c677f0dd" || task.StartStr != "暫停" {
			t.Errorf("info.task = %+v", task)
		}
		if ri.MobileInfo != (MobileInfo{MobileType: "聯(lián)通", Province: "江蘇", City: "南京"}) {
			t.Errorf("mobile_info = %+v", ri.MobileInfo)
		}
		if len(ri.Utterances) != 6 || ri.Utterances[0].Name != "流程2" || ri.Utterances[0].Description != "客戶身份確認(rèn)" ||
			ri.Utterances[5].PlayMS != -1 || ri.Utterances[1].Score != 50 || ri.Utterances[1].Priority != 10 {
			t.Errorf("utterances = %+v", ri.Utterances)
		}
	})
}
