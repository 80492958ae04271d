// Chinese and English: the browser's language decides, the button switches, the choice is kept.
const TEXT = {
  zh: {
    search: "编号或档案号", find: "查找", dig: "开挖核查", incident: "应急", logout: "退出", layers: "图层",
    dig_help: "在地图上单击绘制范围，双击结束；或粘贴 GeoJSON 或本地坐标（每行 X, Y）。",
    ticket_type: "类型", type_dig: "开挖", type_orientation: "规划设计（不得开挖）", planned_start: "计划开工",
    dig_allowed_no: "规划设计查询单：不得据此开挖",
    depth: "开挖深度 (m)", buffer: "缓冲 (m)", submit: "核查", clear: "清除", my_tickets: "我的核查单",
    incident_help: "单击管线，追踪需关闭的阀门。", login: "登录", account: "账户", key: "API 密钥",
    login_needed: "请登录", login_failed: "密钥无效", not_found: "未找到", draw_first: "请先绘制或粘贴范围",
    bad_coordinates: "坐标无法读取", ticket: "核查单", valid_until: "有效期至", print: "打印", hits: "处",
    high: "高", medium: "中", low: "低", risk: "风险", layer: "图层", kind: "类型", feature_id: "编号",
    distance_m: "距离 m", owner: "权属单位", contact: "电话", break_on: "破损管线", close_valves: "关闭阀门",
    seized: "无法操作的阀门", ambiguous_valves: "位于三通处、未注明所在管线的阀门（未计入关阀）", isolated: "隔离", unfed: "停供", consumers: "受影响用户", history: "历史事件",
    resources: "最近资源", flood: "内涝", landslide: "滑坡", subsidence: "塌陷", earthquake: "地震", burst: "爆管",
    leak: "泄漏", outage: "停电", fire: "火灾", strike: "外力破坏", other: "其他", unknown: "未知",
    as_of: "历史日期", upload: "或上传文件",
    archive: "城建档案", projects: "项目", overdue: "逾期", days: "天", status: "状态", timeline: "进程",
    checklist: "归档清单", files: "文件", category: "类别", hand_over: "移交", next_deadline: "下一期限",
    no_events: "尚无记录", missing: "缺", passed: "通过", failed: "未通过",
    registered: "已登记", notice_issued: "已告知", under_construction: "在建", accepted: "已验收",
    handed_over: "已移交", filed: "已备案", construction_started: "开工", guidance_visit: "现场指导",
    acceptance: "档案验收", handover: "档案移交", notice: "归档告知",
    archive_projects: "涉及的城建档案项目（可调阅竣工图）", deliveries: "入库的测量成果", features: "要素",
    digitisation: "纸质档案数字化率", print_notice: "打印归档告知书",
    type_emergency: "紧急抢修", emergency_phones: "紧急联系电话", high_pressure_gas: "有高压燃气管线",
    high_voltage: "有高压电力线路", justify_by: "事由补报截止", owners_answers: "权属单位答复", answer_by: "答复截止",
    versions: "版本", no_answer: "未答复", no_owner_asked: "无已登记的权属单位", waiting: "等待答复",
    partial: "部分答复", complete: "已全部答复", inbox: "待答复", no_owner_account: "本账户不代表任何权属单位",
    note: "说明", answer: "答复", inbox_empty: "暂无待答复的核查单", code_clear: "无管线", code_marked: "已标示",
    code_records_provided: "已提供资料", code_site_meeting_required: "需现场会商", code_standby_required: "需派员监护",
    code_conflict: "冲突：不得按计划开挖", precautions: "保护区要求",
    field_report: "现场反馈", report_type: "发现", found_elsewhere: "位置不符（偏差超过 1 米）",
    unknown_asset: "图上没有的管线", strike_report: "挖损事故", cause: "原因", damage: "损坏情况", photo: "照片",
    use_gps: "使用我的位置", send_report: "提交", no_gps: "无法定位", claim_by: "认领截止", photos: "张照片",
    open: "待认领", orphan: "无主", claimed: "已认领", correction_overdue: "逾期未更正", corrected: "已更正",
    cause_mismarked: "标示错误", cause_records_wrong: "图档错误", cause_no_ticket: "未申请核查",
    cause_excavation_practice: "施工不当", cause_other: "其他",
    visit: "预约查阅", free: "个空位", closed: "不开放", visitor_name: "姓名", visit_purpose: "事由",
    visit_wanted: "调阅（每行一个：项目代码、档号或文件 SHA-256）", book_visit: "预约", visit_booked: "已预约，预约号",
    my_visits: "我的预约", appointment_booked: "已预约", appointment_cancelled: "已取消", add_to_calendar: "加入日历",
    cancel_visit: "取消预约", day_sheet: "打印当日预约表", staff_only: "仅限档案馆工作人员",
    day_list: "当日预约", came: "已到", no_show: "未到", appointment_attended: "已到", appointment_no_show: "未到",
    download_all: "打包下载全部文件 (ZIP)", rate: "评价", your_rating: "总体评分（1–5）", comment: "意见建议", send_feedback: "提交评价",
    rate_first: "请先评分", feedback_thanks: "感谢您的评价", yes: "是", no: "否",
    option_under_10_min: "10 分钟以内", option_10_to_30_min: "10–30 分钟", option_over_30_min: "30 分钟以上",
    option_matched: "一致", option_minor_differences: "略有出入", option_major_differences: "明显不符",
    option_not_dug_yet: "尚未开挖",
    search_archive: "搜索档案：项目、文件、管线编号", kind_project: "项目", kind_file: "文件", kind_feature: "要素",
    access_open: "公开", access_on_request: "依申请", access_restricted: "受限", preview: "预览", ask_for_it: "申请调阅",
    purpose: "用途", send: "提交", open_project: "打开", hits_found: "条结果", asked: "已提交申请，待档案馆审批",
    request_pending: "待审批", request_approved: "已批准", request_refused: "未批准", download: "下载", approve: "批准",
    reason: "理由", refuse: "不予批准", requests_to_decide: "调阅申请", my_requests: "我的调阅申请",
    search_help: "在上方搜索档案目录；依申请公开的文件可在结果中申请调阅。",
    event_delivery: "入库", event_project: "新项目", event_file: "新文件", event_field_report: "现场报告", everywhere: "全市",
    unsubscribe: "取消订阅", subscriptions: "订阅推送", subscription_title: "订阅名称", subscribe_here: "订阅当前地图范围",
    feed_address: "订阅源地址（仅显示一次）",
  },
  en: {
    search: "feature id or archive ref", find: "Find", dig: "Dig check", incident: "Incident", logout: "Log out",
    layers: "Layers",
    dig_help: "Click the map to draw the area; double-click to finish. Or paste GeoJSON or local-grid coordinates (X, Y a line).",
    ticket_type: "Type", type_dig: "Dig", type_orientation: "Orientation (planning, no dig)", planned_start: "Planned start",
    dig_allowed_no: "Orientation ticket: no dig may rely on it",
    depth: "Depth (m)", buffer: "Buffer (m)", submit: "Check", clear: "Clear", my_tickets: "My tickets",
    incident_help: "Click a pipe to trace the valves to close.", login: "Sign in", account: "Account", key: "API key",
    login_needed: "Please sign in", login_failed: "The key was not accepted", not_found: "Not found",
    draw_first: "Draw or paste an area first", bad_coordinates: "Coordinates cannot be read", ticket: "Ticket",
    valid_until: "valid until", print: "Print", hits: "hits", high: "high", medium: "medium", low: "low",
    risk: "Risk", layer: "Layer", kind: "Kind", feature_id: "Id", distance_m: "Distance m", owner: "Owner",
    contact: "Contact", break_on: "Break on", close_valves: "Close valves", seized: "Seized valves passed", ambiguous_valves: "Valves on a junction, pipe not recorded (not counted on)",
    isolated: "isolated", unfed: "unfed", consumers: "Consumers", history: "Past incidents",
    resources: "Nearest resources", flood: "flood", landslide: "landslide", subsidence: "subsidence",
    earthquake: "earthquake", burst: "burst", leak: "leak", outage: "outage", fire: "fire", strike: "strike",
    other: "other", unknown: "unknown", as_of: "Map as of", upload: "Or a file",
    archive: "Archive", projects: "Projects", overdue: "overdue", days: "days", status: "Status",
    timeline: "Timeline", checklist: "Checklist", files: "Files", category: "Category", hand_over: "Hand over",
    next_deadline: "Next deadline", no_events: "Nothing recorded yet", missing: "missing", passed: "passed",
    failed: "failed", registered: "registered", notice_issued: "notice issued",
    under_construction: "under construction", accepted: "accepted", handed_over: "handed over", filed: "filed",
    construction_started: "construction started", guidance_visit: "guidance visit", acceptance: "acceptance",
    handover: "hand-over", notice: "filing notice",
    archive_projects: "Archive projects here (ask for their as-built drawings)", deliveries: "Surveys delivered",
    features: "features", digitisation: "Paper records digitised", print_notice: "Print the filing notice",
    type_emergency: "Emergency", emergency_phones: "Emergency phones", high_pressure_gas: "High-pressure gas present",
    high_voltage: "High-voltage power present", justify_by: "Reason due by", owners_answers: "Owners' answers",
    answer_by: "answer by", versions: "versions", no_answer: "no answer yet", no_owner_asked: "No registered owner asked",
    waiting: "waiting", partial: "partial", complete: "complete", inbox: "Inbox",
    no_owner_account: "This account answers for no owner", note: "Note", answer: "Answer",
    inbox_empty: "No ticket waiting for an answer", code_clear: "clear: no assets", code_marked: "marked", code_records_provided: "records provided",
    code_site_meeting_required: "site meeting required", code_standby_required: "standby required",
    code_conflict: "conflict: do not dig as planned", precautions: "Precaution zones",
    field_report: "Report from site", report_type: "Found", found_elsewhere: "elsewhere (more than 1 m off)",
    unknown_asset: "an asset not on the map", strike_report: "a strike", cause: "Cause",
    damage: "Damage", photo: "Photo", use_gps: "My position", send_report: "Send", no_gps: "No position",
    claim_by: "owner claims by", photos: "photos", open: "open", orphan: "orphan", claimed: "claimed",
    correction_overdue: "correction overdue", corrected: "corrected", cause_mismarked: "mismarked",
    cause_records_wrong: "records wrong", cause_no_ticket: "no ticket", cause_excavation_practice: "excavation practice",
    cause_other: "other",
    visit: "Book a visit", free: "free", closed: "closed", visitor_name: "Name", visit_purpose: "Purpose",
    visit_wanted: "To have ready (one a line: project code, archive number or file SHA-256)", book_visit: "Book",
    visit_booked: "Booked, number", my_visits: "My visits", appointment_booked: "booked",
    appointment_cancelled: "cancelled", add_to_calendar: "Add to calendar", cancel_visit: "Cancel",
    day_sheet: "Print the day's list", staff_only: "For the archive's staff only",
    day_list: "Visitors on", came: "came", no_show: "no-show", appointment_attended: "came", appointment_no_show: "no-show",
    download_all: "Download every file (ZIP)", rate: "Rate", your_rating: "Your rating (1–5)", comment: "Comment", send_feedback: "Send",
    rate_first: "Rate it first", feedback_thanks: "Thank you for your feedback", yes: "yes", no: "no",
    option_under_10_min: "under 10 minutes", option_10_to_30_min: "10 to 30 minutes", option_over_30_min: "over 30 minutes",
    option_matched: "matched", option_minor_differences: "minor differences", option_major_differences: "major differences",
    option_not_dug_yet: "not dug yet",
    search_archive: "Search the archive: projects, files, asset ids", kind_project: "Project", kind_file: "File", kind_feature: "Feature",
    access_open: "open", access_on_request: "on request", access_restricted: "restricted", preview: "Preview", ask_for_it: "Ask for it",
    purpose: "Purpose", send: "Send", open_project: "Open", hits_found: "hits", asked: "Asked: the archive will decide",
    request_pending: "waiting", request_approved: "approved", request_refused: "refused", download: "Download", approve: "Approve",
    reason: "Reason", refuse: "Refuse", requests_to_decide: "Requests to download", my_requests: "My requests",
    search_help: "Search the archive's catalogue above; files on request can be asked for from the results.",
    event_delivery: "deliveries", event_project: "new projects", event_file: "new files", event_field_report: "field reports", everywhere: "everywhere",
    unsubscribe: "Unsubscribe", subscriptions: "Subscriptions", subscription_title: "Subscription name", subscribe_here: "Subscribe to this map view",
    feed_address: "Feed address (shown once)",
  },
};

let current = localStorage.getItem("undermap-lang")
  || ((navigator.language || "zh").toLowerCase().startsWith("zh") ? "zh" : "en");

export function language() {
  return current;
}

export function t(key) {
  return TEXT[current][key] ?? TEXT.en[key] ?? key;
}

export function translatePage() {
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
}

export function setLanguage(lang) {
  current = lang;
  localStorage.setItem("undermap-lang", lang);
  translatePage();
}
