// The Liaison case board: live case views from /v1/updates, timelines from /v1/cases/{id}/events.
// Plain JavaScript, no dependencies, nothing loaded from elsewhere (these machines are offline).
// The list is searched, filtered, sorted and paged here, over the cases the token may see; the state of
// the list (and the case followed) is kept in the URL's fragment, so a reload or a shared link keeps it.
"use strict";

(() => {
  const LANGS = ["vi", "zh", "en"];
  const HTML_LANG = { vi: "vi", zh: "zh-Hans", en: "en" };
  const LANGUAGE_NAME = { vi: "Tiếng Việt", zh: "中文", en: "English" };
  const STORAGE_KEY = "liaison.board.language";
  const RECONNECT_MS = 2000;
  const FRESH_MS = 4000; // how long a case just updated stays highlighted
  const RENDER_GAP_MS = 150;
  const SEARCH_WAIT_MS = 120;
  const SOON_MS = 2 * 3600 * 1000; // a deadline this close is marked "due soon"
  const DAY_MS = 24 * 3600 * 1000; // the summary counts what falls due within a day
  const PAGE_SIZES = [10, 25, 50, 100];
  const STATUSES = ["open", "awaiting_confirmation", "awaiting_acknowledgement", "awaiting_acceptance", "closed"];
  const STATUS_RANK = { awaiting_confirmation: 0, awaiting_acknowledgement: 1, awaiting_acceptance: 2, open: 3,
    closed: 4 };
  const KINDS = ["hotline", "incident", "handover", "patrol", "meeting"];
  const SORTS = ["last-desc", "last-asc", "deadline-asc", "deadline-desc", "status-asc", "status-desc", "case-asc",
    "case-desc"];
  const FIRST_DIR = { last: "desc", deadline: "asc", status: "asc", case: "asc" }; // a column header's first click
  const DEFAULT_VIEW = { q: "", unit: "", kind: "", status: "open", overdue: false, sort: "last-desc", page: 1,
    size: 25 };
  // Fields of an event that hold its free text, the most telling first.
  const TEXT_FIELDS = ["summary", "subject", "description", "circumstances", "reason", "minutes", "note", "plan",
    "place", "body"];
  // Screens narrower than this show cards; wider ones a table (the same width as in app.css).
  const COMPACT = window.matchMedia("(max-width: 55.99rem)");

  // ---- names of units and incident categories ([en, vi, zh]) ----------------------------------------
  // Copied from shared/units.json and shared/events/categories.py; tests/e2e/test_board_layout.py checks
  // that they are the same, so the board and the rest of Liaison never name a unit differently.
  // BEGIN NAMES
  const UNIT_NAMES = {
    "VN-LC-BGC": ["Lao Cai Provincial Border Guard Command", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh Lào Cai", "越南老街省边防部队指挥部"],
    "VN-LC-IBGS": ["Lao Cai International Border Gate Border Guard Station", "Đồn Biên phòng Cửa khẩu Quốc tế Lào Cai", "越南老街国际口岸边防站"],
    "VN-LC-BXBGS": ["Bat Xat Border Guard Station", "Đồn Biên phòng Bát Xát", "越南巴刹边防站"],
    "VN-LCH-BGC": ["Lai Chau Provincial Border Guard Command", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh Lai Châu", "越南莱州省边防部队指挥部"],
    "VN-HG-BGC": ["Ha Giang Provincial Border Guard Command", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh Hà Giang", "越南河江省边防部队指挥部"],
    "VN-DB-BGC": ["Dien Bien Provincial Border Guard Command", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh Điện Biên", "越南奠边省边防部队指挥部"],
    "VN-CB-BGC": ["Cao Bang Provincial Border Guard Command", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh Cao Bằng", "越南高平省边防部队指挥部"],
    "VN-LS-BGC": ["Lang Son Provincial Border Guard Command", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh Lạng Sơn", "越南谅山省边防部队指挥部"],
    "VN-QN-BGC": ["Quang Ninh Provincial Border Guard Command", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh Quảng Ninh", "越南广宁省边防部队指挥部"],
    "CN-HK-IBCS": ["Hekou Immigration Border Control Station", "Trạm Kiểm soát xuất nhập cảnh Hà Khẩu", "河口出入境边防检查站"],
    "CN-HK-BMC": ["Hekou Border Management Company", "Đại đội Quản lý biên giới Hà Khẩu", "河口边境管理大队"],
    "CN-HK-RTS": ["Hekou Reunion and Talks Station", "Trạm Hội đàm Hà Khẩu", "河口会谈会晤站"],
    "CN-HH-BMT": ["Hong Ha Border Management Team", "Chi đội Quản lý biên giới Hồng Hà", "红河边境管理支队"],
    "CN-HH-BMS": ["Honghe Border Management Section", "Phân đội Quản lý biên giới Hồng Hà", "红河边境管理支队"],
    "CN-HH-DBPD": ["Hong Ha District Border Police Department", "Cục Công an Biên phòng huyện Hồng Hà", "红河县边防公安局"],
    "CN-WS-BMT": ["Van Son Border Management Team", "Chi đội Quản lý biên giới Văn Sơn", "文山边境管理支队"],
    "CN-MZ-BG": ["Mong Tu Border Guard", "Bộ đội Biên phòng Mông Tự", "蒙自边防部队"],
    "CN-YN-GIBCS": ["General Immigration Border Control Station of Yunnan Province", "Tổng trạm Kiểm soát xuất nhập cảnh tỉnh Vân Nam", "云南出入境边防检查总站"],
    "CN-YN-BPC": ["General Department of Border Police of Yunnan Province", "Tổng cục Cảnh sát Biên phòng tỉnh Vân Nam", "云南省公安边防总队"],
    "CN-PS-ICS": ["Pa Sa Immigration Control Sub-station", "Trạm Kiểm soát xuất nhập cảnh Pa Sa", "坝洒出入境边防检查分站"],
    "CN-PS-BP": ["Pa Sa Border Post", "Đồn Biên phòng Pa Sa", "坝洒边防派出所"],
    "CN-GX-GSII": ["Guangxi General Station of Immigration Inspection", "Tổng trạm Kiểm tra xuất nhập cảnh Quảng Tây", "广西出入境边防检查总站"],
  };
  const CATEGORY_NAMES = {
    "border_marker_damage": ["Damage, moving or theft of border markers or works", "Làm hư hỏng, xê dịch, lấy cắp mốc quốc giới, công trình biên giới", "损坏、移动、盗窃界碑或边境设施"],
    "border_river_works": ["Works on border rivers", "Xây dựng công trình trên sông suối biên giới", "在界河上修建工程"],
    "firing_across_border": ["Firing across the border", "Bắn qua biên giới", "向对方境内开枪"],
    "explosion": ["Explosion near the border", "Gây nổ gần biên giới", "边境附近爆炸"],
    "harm_to_persons": ["Harm to persons on the other side", "Gây thương vong cho người bên kia biên giới", "伤害对方境内人员"],
    "person_crossing": ["Illegal crossing by persons", "Người qua lại biên giới trái phép", "人员非法越境"],
    "livestock_crossing": ["Livestock crossing the border", "Gia súc qua biên giới", "牲畜越境"],
    "vehicle_crossing": ["Illegal crossing by vehicles", "Phương tiện qua biên giới trái phép", "车辆非法越境"],
    "boat_crossing": ["Illegal crossing by boats", "Tàu thuyền qua biên giới trái phép", "船只非法越境"],
    "aircraft_crossing": ["Illegal crossing by aircraft", "Tàu bay bay qua biên giới trái phép", "航空器非法越境"],
    "drone_crossing": ["Illegal crossing by drones", "Phương tiện bay không người lái qua biên giới", "无人机非法越境"],
    "cross_border_logging": ["Cross-border logging", "Chặt phá cây qua biên giới", "越界砍伐"],
    "cross_border_farming": ["Cross-border farming", "Canh tác qua biên giới", "越界耕种"],
    "cross_border_burial": ["Cross-border burial", "Chôn cất qua biên giới", "越界埋葬"],
    "cross_border_fishing": ["Cross-border fishing", "Đánh bắt cá qua biên giới", "越界捕鱼"],
    "cross_border_hunting": ["Cross-border hunting", "Săn bắt qua biên giới", "越界狩猎"],
    "cross_border_gathering": ["Cross-border gathering", "Hái lượm, khai thác qua biên giới", "越界采集"],
    "illegal_residence": ["Illegal residence", "Cư trú bất hợp pháp", "非法居留"],
    "smuggling": ["Smuggling", "Buôn lậu qua biên giới", "走私"],
    "cross_border_property_crime": ["Property crime across the line", "Xâm phạm tài sản qua biên giới", "跨境侵犯财产"],
    "disease_or_pest": ["Diseases and pests", "Dịch bệnh, sâu bệnh lây lan qua biên giới", "疫病、病虫害跨境传播"],
    "gambling_lure": ["Luring to gamble", "Dụ dỗ, lôi kéo đánh bạc", "引诱赌博"],
    "disaster_spread": ["Fire, flood and disasters spreading across", "Cháy rừng, lũ lụt, thiên tai lan qua biên giới", "火灾、洪水等灾害跨境蔓延"],
    "human_trafficking": ["Trafficking in persons", "Mua bán người", "拐卖人口"],
    "border_river_rescue": ["Rescue on border rivers", "Cứu hộ, cứu nạn trên sông suối biên giới", "界河救助"],
    "crossing_suspension": ["Crossing-suspension notice", "Thông báo tạm dừng qua lại biên giới", "暂停边境通行通知"],
  };
  // END NAMES

  const I18N = {
    en: {
      title: "Liaison case board", skip: "Skip to the cases", now: "Now", language: "Language",
      filters: "Search and filters", unit: "Unit", kind: "Kind", status: "Status", all: "All",
      openCases: "Open cases (not closed)", everyStatus: "Every status",
      overdueOnly: "Overdue only", shown: "{n} of {total} cases",
      search: "Search", searchHelp: "Case id, unit, place or any word of the case", searchHint: "Case id, unit, place, any word", sortBy: "Sort by",
      moreFilters: "Filters", pageSize: "Per page", clearFilters: "Clear all",
      summary: "Summary", sumCases: "Cases", sumAck: "To acknowledge", sumConfirm: "To confirm",
      sumAccept: "To accept", sumOverdue: "Overdue", sumDay: "Due in 24 h", sumPatrols: "Patrols this month",
      pages: "Pages", previous: "Previous", next: "Next", pageStatus: "Page {page} of {pages} · {from}–{to} of {n}",
      "sort_last-desc": "Last update, newest first", "sort_last-asc": "Last update, oldest first",
      "sort_deadline-asc": "Deadline, soonest first", "sort_deadline-desc": "Deadline, latest first",
      "sort_status-asc": "Status, most urgent first", "sort_status-desc": "Status, least urgent first",
      "sort_case-asc": "Case id, A → Z", "sort_case-desc": "Case id, Z → A",
      cases: "Cases", colCase: "Case", colParties: "Units", colLast: "Last update",
      colObligations: "Open obligations", none: "none", noObligations: "No open obligation",
      noCases: "No case matches this search and these filters.",
      noCasesYet: "No cases yet: they appear here as soon as a report is recorded.",
      overdue: "Overdue", dueSoon: "Due soon", due: "due", since: "since", owedBy: "owed by",
      durD: "{n} d", durH: "{n} h", durM: "{n} min", durSep: " ", underMinute: "under a minute",
      inTime: "in {d}", lateBy: "{d} late", waiting: "waiting {d}", today: "today",
      vn: "VN", cn: "CN", vnLong: "Vietnam time (UTC+7)", cnLong: "China time (UTC+8)",
      timeline: "Timeline", timelineOf: "Timeline of {id}", backToCases: "Cases",
      close: "Close", loading: "Loading…", version: "v{n}", byUnit: "Unit", officer: "Officer",
      original: "original", translation: "translation", noTextInLanguage: "not written in English",
      connecting: "Connecting…", live: "Live", reconnecting: "Connection lost — reconnecting…",
      catchingUp: "Catching up…", loadFailed: "Could not load {what}: {message}",
      theCases: "the cases", theTimeline: "the timeline", opened: "Opened", stale: "Stale view",
      exercise: "Exercise", linked: "Linked cases", counts: "Events", eventsN: "Events ({n})",
      follow: "Follow case", updated: "updated", newEvent: "New", newEvents: "New on {id}: {what}",
      unknownCase: "Case {id} is not among the cases this token may see.",
      patrolWindow: "Patrol window", marker: "marker {m}", section: "section {s}", findingsN: "{n} findings",
      persons: "×{n}", blocked: "Blocked by an objection",
      signIn: "Sign in", token: "Token", signInButton: "Open the board", signOut: "Sign out",
      signInHelp: "Paste the token your operator issued for your unit (liaison token issue). It is kept for this tab only.",
      tokenRefused: "The token was refused: {message}",
      f_category: "Category", f_impact: "Impact", f_location: "Location", f_happened_at: "Happened",
      f_raised_by: "Raised by", f_acknowledge_by: "Acknowledge by", f_acknowledged_by: "Acknowledged by",
      f_acknowledged_at: "Acknowledged at", f_last_response: "Last response", f_close_reason: "Closed as",
      f_phase: "Phase", f_subject_kind: "Subject", f_from_unit: "From", f_to_unit: "To", f_count: "Persons",
      f_accept_by: "Accept by", f_risk_level: "Risk", f_gate: "Gate", f_scheduled_for: "Scheduled for",
      f_executed_at: "Executed", f_agreement: "Agreement", f_host_unit: "Host", f_patrol_kind: "Patrol",
      f_window: "Window", f_sections: "Sections", f_markers: "Markers", f_findings: "Findings",
      f_meeting_kind: "Meeting", f_held_at: "Held", f_border_gate: "Border gate", f_signed_at: "Minutes signed",
      f_signatories: "Signed by", f_blocked: "Blocked by an objection", f_answer: "Answer",
    },
    vi: {
      title: "Bảng theo dõi vụ việc Liaison", skip: "Chuyển đến danh sách vụ việc", now: "Bây giờ",
      language: "Ngôn ngữ", filters: "Tìm kiếm và lọc", unit: "Đơn vị", kind: "Loại", status: "Trạng thái",
      all: "Tất cả", openCases: "Vụ việc chưa đóng", everyStatus: "Mọi trạng thái",
      overdueOnly: "Chỉ vụ việc quá hạn", shown: "{n}/{total} vụ việc",
      search: "Tìm kiếm", searchHelp: "Mã vụ việc, đơn vị, địa điểm hoặc từ bất kỳ trong vụ việc", searchHint: "Mã vụ việc, đơn vị, địa điểm…",
      sortBy: "Sắp xếp", moreFilters: "Bộ lọc", pageSize: "Mỗi trang", clearFilters: "Xóa tất cả",
      summary: "Tổng quan", sumCases: "Vụ việc", sumAck: "Chờ xác nhận đã nhận", sumConfirm: "Chờ xác nhận văn bản",
      sumAccept: "Chờ chấp nhận", sumOverdue: "Quá hạn", sumDay: "Đến hạn trong 24 giờ",
      sumPatrols: "Tuần tra tháng này",
      pages: "Trang", previous: "Trang trước", next: "Trang sau", pageStatus: "Trang {page}/{pages} · {from}–{to} trong {n}",
      "sort_last-desc": "Cập nhật mới nhất trước", "sort_last-asc": "Cập nhật cũ nhất trước",
      "sort_deadline-asc": "Hạn gần nhất trước", "sort_deadline-desc": "Hạn xa nhất trước",
      "sort_status-asc": "Trạng thái khẩn nhất trước", "sort_status-desc": "Trạng thái ít khẩn nhất trước",
      "sort_case-asc": "Mã vụ việc A → Z", "sort_case-desc": "Mã vụ việc Z → A",
      cases: "Vụ việc", colCase: "Vụ việc", colParties: "Đơn vị liên quan", colLast: "Cập nhật gần nhất",
      colObligations: "Nghĩa vụ chưa hoàn thành", none: "không có", noObligations: "Không có nghĩa vụ chưa hoàn thành",
      noCases: "Không có vụ việc nào phù hợp tìm kiếm và bộ lọc.",
      noCasesYet: "Chưa có vụ việc: vụ việc xuất hiện ở đây ngay khi một báo cáo được ghi nhận.",
      overdue: "Quá hạn", dueSoon: "Sắp đến hạn", due: "hạn", since: "từ", owedBy: "bên thực hiện",
      durD: "{n} ngày", durH: "{n} giờ", durM: "{n} phút", durSep: " ", underMinute: "chưa đến 1 phút",
      inTime: "còn {d}", lateBy: "trễ {d}", waiting: "đã chờ {d}", today: "hôm nay",
      vn: "VN", cn: "TQ", vnLong: "Giờ Việt Nam (UTC+7)", cnLong: "Giờ Trung Quốc (UTC+8)",
      timeline: "Diễn biến", timelineOf: "Diễn biến vụ việc {id}", backToCases: "Danh sách",
      close: "Đóng", loading: "Đang tải…", version: "lần {n}",
      byUnit: "Đơn vị", officer: "Cán bộ", original: "bản gốc", translation: "bản dịch",
      noTextInLanguage: "không có bản tiếng Việt", connecting: "Đang kết nối…", live: "Trực tiếp",
      reconnecting: "Mất kết nối — đang kết nối lại…", catchingUp: "Đang cập nhật lại…",
      loadFailed: "Không tải được {what}: {message}", theCases: "danh sách vụ việc", theTimeline: "diễn biến",
      opened: "Mở lúc", stale: "Dữ liệu chưa đầy đủ", exercise: "Diễn tập", linked: "Vụ việc liên quan",
      counts: "Sự kiện", eventsN: "Sự kiện ({n})", follow: "Theo dõi vụ việc", updated: "vừa cập nhật",
      newEvent: "Mới", newEvents: "Mới ở {id}: {what}",
      unknownCase: "Vụ việc {id} không nằm trong các vụ việc mã truy cập này được xem.",
      patrolWindow: "Thời gian tuần tra", marker: "mốc {m}", section: "đoạn {s}", findingsN: "{n} phát hiện",
      persons: "×{n}", blocked: "Bị chặn do phản đối",
      signIn: "Đăng nhập", token: "Mã truy cập", signInButton: "Mở bảng", signOut: "Đăng xuất",
      signInHelp: "Dán mã truy cập do quản trị viên cấp cho đơn vị của bạn (liaison token issue). Mã chỉ được giữ trong thẻ này.",
      tokenRefused: "Mã truy cập bị từ chối: {message}",
      f_category: "Loại sự việc", f_impact: "Mức độ ảnh hưởng", f_location: "Địa điểm",
      f_happened_at: "Thời điểm xảy ra", f_raised_by: "Đơn vị báo", f_acknowledge_by: "Hạn xác nhận",
      f_acknowledged_by: "Đơn vị xác nhận", f_acknowledged_at: "Xác nhận lúc", f_last_response: "Xử lý gần nhất",
      f_close_reason: "Lý do đóng", f_phase: "Giai đoạn", f_subject_kind: "Đối tượng", f_from_unit: "Bên giao",
      f_to_unit: "Bên nhận", f_count: "Số người", f_accept_by: "Hạn chấp nhận", f_risk_level: "Mức rủi ro",
      f_gate: "Cửa khẩu", f_scheduled_for: "Thời gian dự kiến", f_executed_at: "Đã bàn giao lúc",
      f_agreement: "Thỏa thuận", f_host_unit: "Đơn vị chủ trì", f_patrol_kind: "Hình thức tuần tra",
      f_window: "Thời gian", f_sections: "Đoạn biên giới", f_markers: "Cột mốc", f_findings: "Phát hiện",
      f_meeting_kind: "Hình thức", f_held_at: "Thời gian", f_border_gate: "Cửa khẩu", f_signed_at: "Ký biên bản lúc",
      f_signatories: "Đơn vị ký", f_blocked: "Bị chặn do phản đối", f_answer: "Trả lời",
    },
    zh: {
      title: "Liaison 边境联络案件看板", skip: "跳到案件列表", now: "现在", language: "语言", filters: "搜索和筛选",
      unit: "单位", kind: "类型", status: "状态", all: "全部", openCases: "未结案件", everyStatus: "所有状态",
      overdueOnly: "仅逾期案件", shown: "{n}/{total} 个案件",
      search: "搜索", searchHelp: "案件编号、单位、地点或案件中的任何词语", searchHint: "案件编号、单位、地点…", sortBy: "排序",
      moreFilters: "筛选", pageSize: "每页", clearFilters: "全部清除",
      summary: "概况", sumCases: "案件", sumAck: "待确认收悉", sumConfirm: "待书面确认", sumAccept: "待接受",
      sumOverdue: "逾期", sumDay: "24小时内到期", sumPatrols: "本月巡逻",
      pages: "分页", previous: "上一页", next: "下一页", pageStatus: "第 {page}/{pages} 页 · 第 {from}–{to} 个，共 {n} 个",
      "sort_last-desc": "最近更新在前", "sort_last-asc": "最早更新在前",
      "sort_deadline-asc": "期限最近在前", "sort_deadline-desc": "期限最远在前",
      "sort_status-asc": "状态最紧急在前", "sort_status-desc": "状态最不紧急在前",
      "sort_case-asc": "案件编号 A → Z", "sort_case-desc": "案件编号 Z → A",
      cases: "案件", colCase: "案件", colParties: "相关单位", colLast: "最近更新", colObligations: "待办事项",
      none: "无", noObligations: "无待办事项",
      noCases: "没有符合搜索和筛选条件的案件。", noCasesYet: "暂无案件：报告一经记录即在此显示。",
      overdue: "逾期", dueSoon: "即将到期", due: "期限", since: "自", owedBy: "责任方",
      durD: "{n}天", durH: "{n}小时", durM: "{n}分钟", durSep: "", underMinute: "不到1分钟",
      inTime: "还有{d}", lateBy: "已逾期{d}", waiting: "已等待{d}", today: "今天",
      vn: "越", cn: "中", vnLong: "越南时间 (UTC+7)", cnLong: "中国时间 (UTC+8)",
      timeline: "时间线", timelineOf: "案件 {id} 时间线", backToCases: "案件列表", close: "关闭",
      loading: "加载中…", version: "第 {n} 版", byUnit: "单位", officer: "人员", original: "原文",
      translation: "译文", noTextInLanguage: "无中文文本", connecting: "正在连接…", live: "实时",
      reconnecting: "连接中断，正在重新连接…", catchingUp: "正在同步…", loadFailed: "无法加载{what}：{message}",
      theCases: "案件列表", theTimeline: "时间线", opened: "开始", stale: "视图不完整", exercise: "演练",
      linked: "关联案件", counts: "事件", eventsN: "事件（{n}）", follow: "跟踪案件", updated: "已更新",
      newEvent: "新", newEvents: "{id} 有新事件：{what}", unknownCase: "案件 {id} 不在此令牌可查看的案件中。",
      patrolWindow: "巡逻时间", marker: "{m}号界碑", section: "{s}段", findingsN: "{n} 项发现",
      persons: "×{n}", blocked: "因反对而暂停",
      signIn: "登录", token: "访问令牌", signInButton: "打开看板", signOut: "退出",
      signInHelp: "粘贴管理员为本单位签发的令牌（liaison token issue）。令牌只保存在此标签页中。",
      tokenRefused: "令牌被拒绝：{message}",
      f_category: "类别", f_impact: "影响", f_location: "地点", f_happened_at: "发生时间", f_raised_by: "报告单位",
      f_acknowledge_by: "确认期限", f_acknowledged_by: "确认单位", f_acknowledged_at: "确认时间",
      f_last_response: "最新处置", f_close_reason: "结案原因", f_phase: "阶段", f_subject_kind: "对象",
      f_from_unit: "移交方", f_to_unit: "接收方", f_count: "人数", f_accept_by: "接受期限", f_risk_level: "风险",
      f_gate: "口岸", f_scheduled_for: "计划时间", f_executed_at: "执行时间", f_agreement: "协议",
      f_host_unit: "主办单位", f_patrol_kind: "巡逻形式", f_window: "时间", f_sections: "边境段", f_markers: "界碑",
      f_findings: "发现", f_meeting_kind: "形式", f_held_at: "举行时间", f_border_gate: "口岸",
      f_signed_at: "纪要签署时间", f_signatories: "签署单位", f_blocked: "因反对而暂停", f_answer: "答复",
    },
  };
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // Values the views and events use, in the three languages: [en, vi, zh].
  const VALUES = {
    status: {
      open: ["Open", "Đang mở", "进行中"],
      awaiting_confirmation: ["Awaiting written confirmation", "Chờ xác nhận bằng văn bản", "待书面确认"],
      awaiting_acknowledgement: ["Awaiting acknowledgement", "Chờ xác nhận đã nhận", "待确认收悉"],
      awaiting_acceptance: ["Awaiting acceptance", "Chờ chấp nhận", "待接受"],
      closed: ["Closed", "Đã đóng", "已结案"],
    },
    kind: {
      hotline: ["Hotline", "Đường dây nóng", "热线"],
      incident: ["Incident", "Sự việc", "事件"],
      handover: ["Handover", "Bàn giao", "移交"],
      patrol: ["Patrol", "Tuần tra", "巡逻"],
      meeting: ["Meeting", "Hội đàm", "会晤"],
      registry: ["Key registry", "Sổ đăng ký khóa", "密钥登记"],
      unknown: ["Unknown", "Không rõ", "未知"],
    },
    obligation: {
      written_confirmation: ["Written confirmation", "Xác nhận bằng văn bản", "书面确认"],
      acknowledgement: ["Acknowledgement", "Xác nhận đã nhận", "确认收悉"],
      incident_acknowledgement: ["Incident acknowledgement", "Xác nhận sự việc", "事件确认"],
      handover_acceptance: ["Handover acceptance", "Chấp nhận bàn giao", "接受移交"],
    },
    impact: {
      low: ["Low", "Thấp", "低"], medium: ["Medium", "Trung bình", "中"], high: ["High", "Cao", "高"],
      very_high: ["Very high", "Rất cao", "很高"],
    },
    subject_kind: {
      victim: ["Victims", "Nạn nhân", "受害人"],
      illegal_crosser: ["Illegal crossers", "Người xuất nhập cảnh trái phép", "非法越境人员"],
      violator: ["Violators", "Người vi phạm", "违法人员"], deceased: ["Deceased", "Thi thể", "遗体"],
      property: ["Property", "Tài sản", "财物"], livestock: ["Livestock", "Gia súc", "牲畜"],
    },
    phase: {
      proposed: ["Proposed", "Đã đề nghị", "已提议"],
      verified: ["Nationality verified", "Đã xác minh quốc tịch", "已核实国籍"],
      assessed: ["Risk assessed", "Đã đánh giá rủi ro", "已评估风险"],
      accepted: ["Accepted", "Đã chấp nhận", "已接受"], scheduled: ["Scheduled", "Đã lên lịch", "已安排"],
      executed: ["Executed", "Đã thực hiện", "已执行"], completed: ["Completed", "Đã hoàn tất", "已完成"],
      aborted: ["Aborted", "Đã hủy", "已取消"], rejected: ["Rejected", "Bị từ chối", "被拒绝"],
    },
    answer: {
      pending: ["Pending", "Chờ trả lời", "待答复"], accepted: ["Accepted", "Đã chấp nhận", "已接受"],
      rejected: ["Rejected", "Từ chối", "已拒绝"],
    },
    meeting_kind: {
      talks: ["Talks", "Hội đàm", "会谈"], meeting: ["Meeting", "Gặp gỡ", "会晤"],
      online_meeting: ["Online meeting", "Họp trực tuyến", "线上会晤"],
      friendship_exchange: ["Friendship exchange", "Giao lưu hữu nghị", "友好交流"],
      patrol_debrief: ["Patrol debrief", "Rút kinh nghiệm tuần tra", "巡逻总结"],
    },
    patrol_kind: {
      joint_monthly: ["Joint monthly patrol", "Tuần tra chung hằng tháng", "每月联合巡逻"],
      bilateral_quarterly: ["Bilateral quarterly patrol", "Tuần tra song phương hằng quý", "每季度双边巡逻"],
    },
    patrol_status: {
      scheduled: ["Scheduled", "Đã lên lịch", "已安排"], recorded: ["Recorded", "Đã ghi nhận", "已记录"],
      under_way: ["Under way", "Đang tuần tra", "正在巡逻"],
    },
    meeting_status: {
      recorded: ["Recorded", "Đã ghi nhận", "已记录"], minutes_signed: ["Minutes signed", "Đã ký biên bản", "纪要已签署"],
    },
    close_reason: {
      resolved: ["Resolved", "Đã giải quyết", "已解决"], did_not_occur: ["Did not occur", "Không xảy ra", "未发生"],
      transferred: ["Transferred", "Đã chuyển", "已移交"], duplicate: ["Duplicate", "Trùng lặp", "重复"],
      no_further_action: ["No further action", "Không cần xử lý thêm", "无需进一步处理"],
      withdrawn: ["Withdrawn", "Đã rút", "已撤回"],
    },
    response: {
      patrol_dispatched: ["Patrol dispatched", "Đã cử tuần tra", "已派出巡逻"], search: ["Search", "Tìm kiếm", "搜寻"],
      rescue: ["Rescue", "Cứu nạn", "救援"], investigation: ["Investigation", "Điều tra", "调查"],
      evidence_secured: ["Evidence secured", "Đã thu giữ chứng cứ", "已固定证据"],
      persons_detained: ["Persons detained", "Đã tạm giữ người", "已扣留人员"],
      marker_repaired: ["Marker repaired", "Đã sửa mốc", "界碑已修复"],
      joint_verification: ["Joint verification", "Xác minh chung", "联合核查"],
      public_notice: ["Public notice", "Thông báo công khai", "公告"], other: ["Other", "Khác", "其他"],
    },
    event: {
      HotlineCallLogged: ["Hotline call logged", "Ghi nhận cuộc gọi đường dây nóng", "热线通话记录"],
      LetterSent: ["Letter sent", "Gửi thư", "发出信函"],
      LetterReceived: ["Letter received", "Nhận thư", "收到信函"],
      MessageAcknowledged: ["Message acknowledged", "Xác nhận đã nhận tin", "确认收悉"],
      UrgentCallConfirmedInWriting: ["Urgent call confirmed in writing", "Xác nhận cuộc gọi khẩn bằng văn bản",
        "紧急通话书面确认"],
      ConfirmationOverdue: ["Written confirmation overdue", "Quá hạn xác nhận bằng văn bản", "书面确认逾期"],
      IncidentRaised: ["Incident raised", "Báo cáo sự việc", "报告事件"],
      IncidentAcknowledged: ["Incident acknowledged", "Xác nhận sự việc", "确认事件"],
      IncidentUpdated: ["Incident updated", "Cập nhật sự việc", "更新事件"],
      ResponseRecorded: ["Response recorded", "Ghi nhận biện pháp xử lý", "记录处置措施"],
      CasesLinked: ["Cases linked", "Liên kết vụ việc", "关联案件"],
      IncidentClosed: ["Incident closed", "Đóng sự việc", "事件结案"],
      AcknowledgementOverdue: ["Acknowledgement overdue", "Quá hạn xác nhận", "确认逾期"],
      HandoverProposed: ["Handover proposed", "Đề nghị bàn giao", "提议移交"],
      NationalityVerified: ["Nationality verified", "Xác minh quốc tịch", "核实国籍"],
      RiskAssessed: ["Risk assessed", "Đánh giá rủi ro", "风险评估"],
      ConsentRecorded: ["Consent recorded", "Ghi nhận ý kiến đồng ý", "记录同意意见"],
      HandoverAccepted: ["Handover accepted", "Chấp nhận bàn giao", "接受移交"],
      HandoverRejected: ["Handover rejected", "Từ chối bàn giao", "拒绝移交"],
      HandoverScheduled: ["Handover scheduled", "Lên lịch bàn giao", "安排移交"],
      HandoverExecuted: ["Handover executed", "Thực hiện bàn giao", "执行移交"],
      HandoverCompleted: ["Handover completed", "Hoàn tất bàn giao", "移交完成"],
      HandoverAborted: ["Handover aborted", "Hủy bàn giao", "取消移交"],
      AcceptanceOverdue: ["Acceptance overdue", "Quá hạn chấp nhận", "接受逾期"],
      PatrolScheduled: ["Patrol scheduled", "Lên lịch tuần tra", "安排巡逻"],
      PatrolRecorded: ["Patrol recorded", "Ghi nhận kết quả tuần tra", "记录巡逻"],
      MeetingRecorded: ["Meeting recorded", "Ghi nhận hội đàm", "记录会晤"],
      MinutesSigned: ["Minutes signed", "Ký biên bản", "签署纪要"],
      UnitKeyRegistered: ["Unit key registered", "Đăng ký khóa đơn vị", "登记单位密钥"],
      UnitKeyRevoked: ["Unit key revoked", "Thu hồi khóa đơn vị", "吊销单位密钥"],
    },
  };
  const VALUE_INDEX = { en: 0, vi: 1, zh: 2 };

  const state = {
    lang: "en",
    cases: new Map(), // case id -> view
    liveSinceReload: new Set(), // cases an update touched while a reload was in flight
    reloading: 0,
    list: { ...DEFAULT_VIEW }, // search, filters, sort and page: what the fragment of the URL keeps
    selected: null, // the case followed
    events: null, // the followed case's logged events
    eventsFor: null, // the case those events are of
    eventsVersion: 0,
    eventsLoading: false,
    eventsSeen: new Set(), // event ids shown before: the others are marked new
    eventsFresh: new Set(), // the events that came while the case was followed
    listScroll: 0, // where the list was scrolled when a case was opened over it
    stream: null, // the AbortController of the updates stream being read
    lastEventId: null, // where a resumed stream starts from
    reconnectTimer: null,
    searchTimer: null,
    connection: "connecting",
    fresh: new Map(), // case id -> time of its last live update (for the highlight)
    renderQueued: false,
    lastRender: 0,
    knownUnits: new Set(),
    knownKinds: new Set(),
    haystacks: new Map(), // case id -> {version, text}: what the search looks in
  };

  const $ = (id) => document.getElementById(id);

  // ---- language ---------------------------------------------------------------------------------

  function t(key, params) {
    let text = I18N[state.lang][key] ?? I18N.en[key] ?? key;
    for (const [name, val] of Object.entries(params || {})) text = text.replace(`{${name}}`, String(val));
    return text;
  }

  function humanize(code) {
    return String(code).replaceAll("_", " ");
  }

  function value(group, code) {
    const names = VALUES[group]?.[code];
    return names ? names[VALUE_INDEX[state.lang]] : humanize(code);
  }

  function unitName(code) {
    const names = UNIT_NAMES[code];
    return names ? names[VALUE_INDEX[state.lang]] : null;
  }

  function categoryName(code) {
    const names = CATEGORY_NAMES[code];
    return names ? names[VALUE_INDEX[state.lang]] : humanize(code);
  }

  function initialLanguage() {
    try {
      const saved = window.localStorage.getItem(STORAGE_KEY);
      if (LANGS.includes(saved)) return saved;
    } catch (_err) { /* storage disabled: fall back to the browser's language */ }
    const preferred = (navigator.language || "en").slice(0, 2).toLowerCase();
    return LANGS.includes(preferred) ? preferred : "en";
  }

  function setLanguage(lang) {
    state.lang = lang;
    try { window.localStorage.setItem(STORAGE_KEY, lang); } catch (_err) { /* not remembered, still used */ }
    document.documentElement.lang = HTML_LANG[lang];
    document.title = t("title");
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    $("search").placeholder = t("searchHint");
    for (const button of document.querySelectorAll("[data-lang]")) {
      button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
    }
    showConnection(state.connection);
    buildFilterOptions();
    renderNow();
    render();
    renderTimeline();
  }

  // ---- time on both clocks, always 24-hour ----------------------------------------------------------

  // The wall-clock date and time (to the minute) of an RFC 3339 instant at a fixed UTC offset.
  function wallClock(utc, offsetHours) {
    const ms = Date.parse(utc);
    if (Number.isNaN(ms)) return null;
    const d = new Date(ms + offsetHours * 3600000);
    const two = (n) => String(n).padStart(2, "0");
    return {
      date: `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`,
      time: `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`,
      offset: `+${two(offsetHours)}:00`,
    };
  }

  // A short date in the reader's language ("7 Dec", "7/12", "12月7日"), the year only when not this one.
  function shortDate(date, today) {
    const [y, m, d] = date.split("-").map(Number);
    const year = date.slice(0, 4) === today.slice(0, 4) ? null : y;
    if (state.lang === "zh") return `${year ? `${year}年` : ""}${m}月${d}日`;
    if (state.lang === "vi") return `${d}/${m}${year ? `/${year}` : ""}`;
    return `${d} ${MONTHS[m - 1]}${year ? ` ${year}` : ""}`;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, val] of Object.entries(attrs || {})) {
      if (val === null || val === undefined || val === false) continue;
      if (name === "class") node.className = val;
      else if (name === "text") node.textContent = val;
      else node.setAttribute(name, val === true ? "" : String(val));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function clockTime(cls, zone, long, wall, shown) {
    return el("time", { class: `clock ${cls}`, datetime: `${wall.date}T${wall.time}${wall.offset}`,
      title: `${long}: ${wall.date} ${wall.time}` }, el("abbr", { title: long, class: "zone" }, zone), " ", shown);
  }

  // One instant on the Vietnamese and the Chinese clock, on one line: "VN 2026-11-23 14:34 · CN 15:34"
  // (the Chinese date is repeated only when it differs, i.e. between 23:00 and 24:00 Vietnam time).
  function clocks(utc) {
    if (!utc) return el("span", { class: "muted", text: "—" });
    const vn = wallClock(utc, 7);
    const cn = wallClock(utc, 8);
    if (vn === null) return el("span", { text: utc });
    return el("span", { class: "clocks" },
      clockTime("vn", t("vn"), t("vnLong"), vn, `${vn.date} ${vn.time}`),
      el("span", { class: "sep", "aria-hidden": "true" }, " · "),
      clockTime("cn", t("cn"), t("cnLong"), cn, cn.date !== vn.date ? `${cn.date} ${cn.time}` : cn.time));
  }

  // The same, shorter, for deadlines: "VN 14:05 · CN 15:05" today, "VN 7 Dec 14:05 · CN 15:05" another day.
  function shortClocks(utc) {
    if (!utc) return el("span", { class: "muted", text: "—" });
    const vn = wallClock(utc, 7);
    const cn = wallClock(utc, 8);
    if (vn === null) return el("span", { text: utc });
    const today = wallClock(new Date().toISOString(), 7).date;
    const vnDay = vn.date === today ? "" : `${shortDate(vn.date, today)} `;
    const cnDay = cn.date === vn.date ? "" : `${shortDate(cn.date, today)} `;
    return el("span", { class: "clocks short" },
      clockTime("vn", t("vn"), t("vnLong"), vn, `${vnDay}${vn.time}`),
      el("span", { class: "sep", "aria-hidden": "true" }, " · "),
      clockTime("cn", t("cn"), t("cnLong"), cn, `${cnDay}${cn.time}`));
  }

  // A window (a patrol's) on both clocks: "VN 20 Dec 08:00–17:00 · CN 09:00–18:00".
  function windowClocks(startUtc, endUtc) {
    const today = wallClock(new Date().toISOString(), 7).date;
    const part = (cls, zone, long, offset, dated) => {
      const a = wallClock(startUtc, offset);
      const b = wallClock(endUtc, offset);
      if (!a || !b) return el("span", { text: "—" });
      const day = (date) => (date === today ? t("today") : shortDate(date, today));
      return el("span", { class: `clock ${cls}`, title: `${long}: ${a.date} ${a.time} – ${b.date} ${b.time}` },
        el("abbr", { title: long, class: "zone" }, zone), " ",
        el("time", { datetime: `${a.date}T${a.time}${a.offset}` }, `${dated(a.date) ? `${day(a.date)} ` : ""}${a.time}`),
        "–",
        el("time", { datetime: `${b.date}T${b.time}${b.offset}` }, `${b.date !== a.date ? `${day(b.date)} ` : ""}${b.time}`));
    };
    const vnStart = wallClock(startUtc, 7)?.date;
    return el("span", { class: "clocks window" },
      part("vn", t("vn"), t("vnLong"), 7, () => true),
      el("span", { class: "sep", "aria-hidden": "true" }, " · "),
      part("cn", t("cn"), t("cnLong"), 8, (date) => date !== vnStart));
  }

  // A length of time in words: "2 h 5 min", "3 d 4 h".
  function duration(ms) {
    const minutes = Math.floor(Math.abs(ms) / 60000);
    if (minutes < 1) return t("underMinute");
    const d = Math.floor(minutes / 1440);
    const h = Math.floor((minutes % 1440) / 60);
    const m = minutes % 60;
    const parts = d ? [t("durD", { n: d }), h ? t("durH", { n: h }) : null]
      : [h ? t("durH", { n: h }) : null, m && h < 10 ? t("durM", { n: m }) : null];
    return parts.filter(Boolean).join(t("durSep"));
  }

  function renderNow() {
    $("now-clocks").replaceChildren(clocks(new Date().toISOString()));
  }

  // ---- the cases: what is owed, by when ------------------------------------------------------------

  function isOverdue(obligation) {
    if (obligation.overdue) return true;
    // A deadline already passed counts as overdue even before the service records it (within a second).
    return Boolean(obligation.due && Date.parse(obligation.due.utc) < Date.now());
  }

  function hasOverdue(view) {
    return (view.obligations || []).some(isOverdue);
  }

  // A case with an open obligation falling due in the next 24 hours (not yet overdue): the duty officer's day.
  function dueWithinADay(view) {
    const now = Date.now();
    return (view.obligations || []).some((o) => {
      const left = o.due ? Date.parse(o.due.utc) - now : NaN;
      return left >= 0 && left <= DAY_MS;
    });
  }

  // A patrol whose window (the agreement's 15th–25th, say) falls at least partly in this month, on the reader's
  // calendar.
  function patrolThisMonth(view) {
    if (view.kind !== "patrol" || !view.patrol) return false;
    const now = new Date();
    const first = new Date(now.getFullYear(), now.getMonth(), 1).getTime();
    const next = new Date(now.getFullYear(), now.getMonth() + 1, 1).getTime();
    const start = Date.parse(view.patrol.starts_at?.utc);
    const end = Date.parse(view.patrol.ends_at?.utc);
    return start < next && end >= first;
  }

  function lastMoment(view) {
    return view.last_update ? Date.parse(view.last_update.utc) || 0 : 0;
  }

  // The soonest deadline among the case's open obligations (ms), or null when none has one.
  function nextDeadline(view) {
    const dues = (view.obligations || []).filter((o) => o.due).map((o) => Date.parse(o.due.utc))
      .filter((ms) => !Number.isNaN(ms));
    return dues.length ? Math.min(...dues) : null;
  }

  // Obligations of one kind owed by one unit, as one line: how many, the earliest deadline, any overdue.
  function groupObligations(obligations) {
    const groups = new Map();
    for (const o of obligations || []) {
      const key = `${o.kind}|${o.owed_by}`;
      const group = groups.get(key) || { kind: o.kind, owed_by: o.owed_by, count: 0, due: null, since: null,
        overdue: false };
      group.count += 1;
      group.overdue = group.overdue || isOverdue(o);
      if (o.due && (!group.due || Date.parse(o.due.utc) < Date.parse(group.due.utc))) group.due = o.due;
      if (o.since && (!group.since || Date.parse(o.since.utc) < Date.parse(group.since.utc))) group.since = o.since;
      groups.set(key, group);
    }
    return [...groups.values()];
  }

  function unitChip(code) {
    const name = unitName(code);
    return el("span", { class: "unit", title: name }, code);
  }

  // Who owes what by when: "⚠ Overdue  Incident acknowledgement — owed by CN-HK-IBCS · due VN 14:05 · CN 15:05 (2 h late)".
  function obligationItem(o) {
    const count = o.count || 1;
    const late = o.count ? o.overdue : isOverdue(o);
    const left = o.due ? Date.parse(o.due.utc) - Date.now() : null;
    const soon = !late && left !== null && left < SOON_MS;
    const classes = ["obligation", late ? "overdue" : "", soon ? "soon" : ""].filter(Boolean).join(" ");
    let when = null;
    if (o.due) {
      when = el("span", { class: "when" }, el("span", { class: "muted" }, t("due")), " ", shortClocks(o.due.utc),
        " ", el("span", { class: "relative" }, `(${late ? t("lateBy", { d: duration(left) }) : t("inTime", { d: duration(left) })})`));
    } else if (o.since) {
      const waited = Date.now() - Date.parse(o.since.utc);
      when = el("span", { class: "when" }, el("span", { class: "muted" }, t("since")), " ", shortClocks(o.since.utc),
        " ", el("span", { class: "relative muted" }, `(${t("waiting", { d: duration(waited) })})`));
    }
    return el("li", { class: classes, "data-kind": o.kind, "data-owed-by": o.owed_by },
      el("span", { class: "what" },
        late ? el("strong", { class: "badge overdue-badge" }, el("span", { "aria-hidden": "true" }, "⚠ "), t("overdue")) : null,
        soon ? el("strong", { class: "badge soon-badge" }, t("dueSoon")) : null,
        el("span", { class: "obligation-kind" }, value("obligation", o.kind)),
        count > 1 ? el("span", { class: "times" }, ` ×${count}`) : null,
        " — ", el("span", { class: "muted" }, t("owedBy")), " ", unitChip(o.owed_by)),
      when);
  }

  function locationText(location) {
    if (!location || typeof location !== "object") return null;
    const parts = [];
    if (location.marker) parts.push(t("marker", { m: location.marker }));
    if (location.patrol_section) parts.push(t("section", { s: location.patrol_section }));
    if (location.border_gate) parts.push(location.border_gate);
    if (location.description && typeof location.description === "object") {
      const text = location.description[state.lang] || location.description[location.description.original];
      if (text) parts.push(text);
    }
    if (!parts.length && location.coordinates) parts.push(factValue(location.coordinates));
    return parts.join(", ") || null;
  }

  function patrolState(patrol) {
    if (patrol.status === "recorded") return "recorded";
    const now = Date.now();
    const start = Date.parse(patrol.starts_at?.utc);
    const end = Date.parse(patrol.ends_at?.utc);
    return start <= now && now <= end ? "under_way" : "scheduled";
  }

  // One line saying what the case is about, beside its kind (none for a hotline case: its obligations say it).
  function kindDetail(view) {
    const bits = [];
    if (view.kind === "incident" && view.incident) {
      const f = view.incident;
      bits.push(categoryName(f.category));
      const where = locationText(f.location);
      if (where) bits.push(where);
      if (f.status === "closed" && f.close_reason) bits.push(value("close_reason", f.close_reason));
    } else if (view.kind === "handover" && view.handover) {
      const f = view.handover;
      bits.push(`${value("subject_kind", f.subject_kind)} ${t("persons", { n: f.count })}`, `${f.from_unit} → ${f.to_unit}`,
        value("phase", f.phase));
      if (f.blocked) bits.push(t("blocked"));
    } else if (view.kind === "patrol" && view.patrol) {
      const f = view.patrol;
      return el("span", { class: "kind-detail" }, windowClocks(f.starts_at?.utc, f.ends_at?.utc), " · ",
        value("patrol_status", patrolState(f)), f.findings ? ` · ${t("findingsN", { n: f.findings })}` : "");
    } else if (view.kind === "meeting" && view.meeting) {
      const f = view.meeting;
      bits.push(value("meeting_kind", f.meeting_kind));
      if (f.border_gate) bits.push(f.border_gate);
      if (f.status === "minutes_signed") bits.push(value("meeting_status", f.status));
      return el("span", { class: "kind-detail" }, bits.join(" · "), " · ", shortClocks(f.held_at?.utc));
    }
    return bits.length ? el("span", { class: "kind-detail" }, bits.join(" · ")) : null;
  }

  // ---- search, filters, sort -------------------------------------------------------------------------

  // Lower case without diacritics, so "lao cai" finds "Lào Cai" and "dong dang" finds "Đồng Đăng".
  function fold(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  }

  const NOT_SEARCHED = new Set(["message_id", "last_event_id", "counts", "version", "handling", "utc", "vietnam",
    "china", "persons", "verified", "consents"]);

  // Every word the view holds (codes, and their names in the three languages), folded; cached per version.
  function haystack(view) {
    const cached = state.haystacks.get(view.case_id);
    if (cached && cached.version === view.version) return cached.text;
    const words = [];
    const names = (group, code) => { const n = VALUES[group]?.[code]; if (n) words.push(...n); };
    const walk = (val, key) => {
      if (val === null || val === undefined || NOT_SEARCHED.has(key)) return;
      if (Array.isArray(val)) { for (const item of val) walk(item, key); return; }
      if (typeof val === "object") { for (const [k, v] of Object.entries(val)) walk(v, k); return; }
      if (typeof val !== "string") return;
      words.push(val);
      if (UNIT_NAMES[val]) words.push(...UNIT_NAMES[val]);
      if (key === "category" && CATEGORY_NAMES[val]) words.push(...CATEGORY_NAMES[val]);
      for (const group of ["status", "kind", "obligation", "impact", "subject_kind", "phase", "meeting_kind",
        "patrol_kind", "close_reason"]) names(group, val);
      if (key === "last_response") names("response", val);
    };
    walk(view, "");
    const text = fold(words.join(" \u0001 "));
    state.haystacks.set(view.case_id, { version: view.version, text });
    return text;
  }

  // Words, each to be found somewhere in the case; "words in quotes" are found together, as one.
  function searchTerms(query) {
    const terms = [];
    for (const [, phrase, word] of fold(query).matchAll(/"([^"]*)"?|(\S+)/g)) {
      const term = (phrase ?? word).trim().replace(/\s+/g, " ");
      if (term) terms.push(term);
    }
    return terms;
  }

  function passes(view, f, terms) {
    if (f.unit && !(view.parties || []).includes(f.unit)) return false;
    if (f.kind && view.kind !== f.kind) return false;
    if (f.status === "open" && view.status === "closed") return false;
    if (f.status && f.status !== "open" && f.status !== "any" && view.status !== f.status) return false;
    if (f.overdue && !hasOverdue(view)) return false;
    if (terms.length) {
      const text = haystack(view);
      if (!terms.every((term) => text.includes(term))) return false;
    }
    return true;
  }

  function sortKey(sort) {
    const [key, dir] = (SORTS.includes(sort) ? sort : DEFAULT_VIEW.sort).split("-");
    return { key, sign: dir === "asc" ? 1 : -1 };
  }

  // Case ids compare character by character (as the API sorts them), not by the reader's collation.
  function byId(a, b) {
    return a.case_id < b.case_id ? -1 : a.case_id > b.case_id ? 1 : 0;
  }

  function comparator(sort) {
    const { key, sign } = sortKey(sort);
    const newest = (a, b) => lastMoment(b) - lastMoment(a) || byId(a, b);
    if (key === "case") return (a, b) => sign * byId(a, b);
    if (key === "last") return (a, b) => sign * (lastMoment(a) - lastMoment(b)) || byId(a, b);
    if (key === "status") {
      const rank = (v) => STATUS_RANK[v.status] ?? 5;
      return (a, b) => sign * (rank(a) - rank(b)) || Number(hasOverdue(b)) - Number(hasOverdue(a)) || newest(a, b);
    }
    // deadline: cases with no deadline come last, whichever the direction
    return (a, b) => {
      const da = nextDeadline(a);
      const db = nextDeadline(b);
      if (da === null || db === null) return (da === null) - (db === null) || newest(a, b);
      return sign * (da - db) || newest(a, b);
    };
  }

  // The cases the list shows (every page), in order.
  function matchedCases() {
    const terms = searchTerms(state.list.q);
    return [...state.cases.values()].filter((view) => passes(view, state.list, terms)).sort(comparator(state.list.sort));
  }

  // ---- the list's state in the URL's fragment: #q=hekou&status=any&sort=deadline-asc&page=2&case=IN-… ----

  function readHash() {
    const params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    const list = { ...DEFAULT_VIEW };
    for (const name of ["q", "unit", "kind", "status"]) if (params.has(name)) list[name] = params.get(name);
    list.overdue = params.get("overdue") === "1";
    if (SORTS.includes(params.get("sort"))) list.sort = params.get("sort");
    const page = Number.parseInt(params.get("page"), 10);
    if (page > 0) list.page = page;
    const size = Number.parseInt(params.get("size"), 10);
    if (PAGE_SIZES.includes(size)) list.size = size;
    return { list, caseId: params.get("case") || null };
  }

  function hashOf(list, caseId) {
    const params = new URLSearchParams();
    for (const [name, val] of Object.entries(list)) {
      if (val === DEFAULT_VIEW[name]) continue;
      params.set(name, typeof val === "boolean" ? (val ? "1" : "0") : String(val));
    }
    if (caseId) params.set("case", caseId);
    const text = params.toString();
    return text ? `#${text}` : window.location.pathname + window.location.search;
  }

  // Keep the fragment in step with the list (no new history entry: only following a case makes one).
  function saveHash() {
    const target = hashOf(state.list, state.selected);
    const now = window.location.hash || window.location.pathname + window.location.search;
    if (target !== now) window.history.replaceState(window.history.state, "", target);
  }

  function setList(changes) {
    const resetsPage = Object.keys(changes).some((name) => name !== "page");
    state.list = { ...state.list, ...changes, ...(resetsPage && !("page" in changes) ? { page: 1 } : {}) };
    saveHash();
    syncControls();
    render();
  }

  // ---- controls ------------------------------------------------------------------------------------

  function setOptions(select, options, wanted) {
    const list = options.some(([val]) => val === wanted) || !wanted ? options : [...options, [wanted, wanted]];
    select.replaceChildren(...list.map(([val, label]) => el("option", { value: val }, label)));
    select.value = list.some(([val]) => val === wanted) ? wanted : list[0][0];
  }

  function buildFilterOptions() {
    const units = new Set();
    const kinds = new Set(KINDS);
    for (const view of state.cases.values()) {
      for (const unit of view.parties || []) units.add(unit);
      if (view.kind) kinds.add(view.kind);
    }
    state.knownUnits = units;
    state.knownKinds = kinds;
    setOptions($("filter-unit"), [["", t("all")], ...[...units].sort().map((u) => [u, u])], state.list.unit);
    setOptions($("filter-kind"), [["", t("all")], ...[...kinds].map((k) => [k, value("kind", k)])], state.list.kind);
    setOptions($("filter-status"), [["open", t("openCases")], ["any", t("everyStatus")],
      ...STATUSES.map((s) => [s, value("status", s)])], state.list.status);
    setOptions($("sort"), SORTS.map((s) => [s, t(`sort_${s}`)]), state.list.sort);
  }

  // The controls show the list's state (after a reload, a back or a change of language).
  function syncControls() {
    const list = state.list;
    if ($("search").value !== list.q && document.activeElement !== $("search")) $("search").value = list.q;
    const shown = [["filter-unit", list.unit], ["filter-kind", list.kind], ["filter-status", list.status],
      ["sort", list.sort]];
    if (shown.some(([id, val]) => $(id).value !== val)) buildFilterOptions();
    $("filter-overdue").checked = list.overdue;
    $("page-size").value = String(list.size);
    const active = [list.unit, list.kind, list.status !== DEFAULT_VIEW.status, list.overdue].filter(Boolean).length;
    $("filters-active").textContent = active ? `(${active})` : "";
    const { key, sign } = sortKey(list.sort);
    for (const th of document.querySelectorAll("th[data-sort]")) {
      const sorted = th.dataset.sort === key;
      if (sorted) th.setAttribute("aria-sort", sign > 0 ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
      th.querySelector(".arrow").textContent = sorted ? (sign > 0 ? " ↑" : " ↓") : "";
    }
  }

  // ---- drawing the list: a table on wide screens, cards on narrow ones -------------------------------

  function caseClasses(view, base) {
    const fresh = (state.fresh.get(view.case_id) || 0) > Date.now() - FRESH_MS;
    return [base, hasOverdue(view) ? "has-overdue" : "", view.case_id === state.selected ? "selected" : "",
      fresh ? "fresh" : ""].filter(Boolean).join(" ");
  }

  function caseLink(view) {
    const selected = view.case_id === state.selected;
    return el("button", { type: "button", class: "case-link", "data-case": view.case_id,
      "aria-current": selected ? "true" : null, "aria-controls": "timeline" },
    el("span", { class: "visually-hidden" }, `${t("follow")} `), view.case_id);
  }

  function badges(view) {
    return [view.exercise ? el("span", { class: "badge" }, t("exercise")) : null,
      view.stale ? el("span", { class: "badge stale" }, t("stale")) : null];
  }

  function statusLabel(view) {
    return el("span", { class: `status status-${view.status}` }, value("status", view.status));
  }

  function obligationList(view) {
    const groups = groupObligations(view.obligations);
    return groups.length ? el("ul", { class: "obligations" }, groups.map(obligationItem)) : null;
  }

  // What a row or a card says of its case to scripts (and tests): id, status, kind, last update, next deadline.
  function caseData(view) {
    return { "data-case": view.case_id, "data-status": view.status, "data-kind": view.kind,
      "data-updated": view.last_update?.utc, "data-deadline": nextDeadline(view) };
  }

  function caseRow(view) {
    const detail = kindDetail(view);
    return el("tr", { class: caseClasses(view, "case"), ...caseData(view) },
    el("th", { scope: "row" }, caseLink(view), badges(view)),
    el("td", { class: "kind" }, value("kind", view.kind), detail ? el("div", { class: "small" }, detail) : null),
    el("td", { class: "state" }, statusLabel(view)),
    el("td", { class: "parties" }, (view.parties || []).map(unitChip)),
    el("td", { class: "last" }, view.last_update ? clocks(view.last_update.utc) : "—"),
    el("td", { class: "owed" }, obligationList(view) || el("span", { class: "muted" }, t("none"))));
  }

  function caseCard(view) {
    const detail = kindDetail(view);
    return el("li", { class: caseClasses(view, "case-card"), ...caseData(view) },
    el("div", { class: "card-head" },
      el("h3", { class: "card-title" }, caseLink(view)),
      el("span", { class: "kind-name" }, value("kind", view.kind), badges(view))),
    detail ? el("p", { class: "card-kind" }, detail) : null,
    el("p", { class: "card-state" }, statusLabel(view), " ", el("span", { class: "parties" },
      (view.parties || []).map(unitChip))),
    obligationList(view),
    el("p", { class: "card-updated" }, el("span", { class: "muted" }, `${t("colLast")} `),
      view.last_update ? clocks(view.last_update.utc) : "—"));
  }

  function renderSummary(matched) {
    const counts = {
      cases: matched.length,
      acknowledgement: matched.filter((v) => v.status === "awaiting_acknowledgement").length,
      confirmation: matched.filter((v) => v.status === "awaiting_confirmation").length,
      acceptance: matched.filter((v) => v.status === "awaiting_acceptance").length,
      overdue: matched.filter(hasOverdue).length,
      due24h: matched.filter(dueWithinADay).length,
      patrolsMonth: matched.filter(patrolThisMonth).length,
    };
    for (const tile of document.querySelectorAll("#summary [data-count]")) {
      const n = counts[tile.dataset.count];
      tile.querySelector(".count").textContent = String(n);
      tile.classList.toggle("zero", n === 0);
    }
  }

  // Coalesced: a burst of updates redraws the list at most every RENDER_GAP_MS.
  function render() {
    if (state.renderQueued) return;
    state.renderQueued = true;
    const wait = Math.max(0, state.lastRender + RENDER_GAP_MS - Date.now());
    window.setTimeout(() => window.requestAnimationFrame(() => {
      state.renderQueued = false;
      state.lastRender = Date.now();
      renderCases();
    }), wait);
  }

  function renderCases() {
    const total = state.cases.size;
    const matched = matchedCases();
    const size = state.list.size;
    const pages = Math.max(1, Math.ceil(matched.length / size));
    const page = Math.min(state.list.page, pages); // the fragment keeps the page asked for
    const shown = matched.slice((page - 1) * size, page * size);
    const focused = document.activeElement?.closest?.("[data-case]")?.dataset.case;
    const compact = COMPACT.matches;
    $("table-wrap").hidden = compact;
    $("case-cards").hidden = !compact;
    $("case-rows").replaceChildren(...(compact ? [] : shown.map(caseRow)));
    $("case-cards").replaceChildren(...(compact ? shown.map(caseCard) : []));
    if (focused) document.querySelector(`.case-link[data-case="${CSS.escape(focused)}"]`)?.focus({ preventScroll: true });
    $("shown").textContent = t("shown", { n: matched.length, total });
    renderSummary(matched);
    $("pager").hidden = pages <= 1;
    $("page-prev").disabled = page <= 1;
    $("page-next").disabled = page >= pages;
    $("page-status").textContent = t("pageStatus", { page, pages, from: matched.length ? (page - 1) * size + 1 : 0,
      to: (page - 1) * size + shown.length, n: matched.length });
    document.body.dataset.page = String(page);
    for (const [id, when] of state.fresh) if (when < Date.now() - FRESH_MS) state.fresh.delete(id);
    const empty = $("empty");
    empty.hidden = matched.length > 0;
    empty.textContent = total ? t("noCases") : t("noCasesYet");
  }

  function goToPage(page) {
    setList({ page });
    // The top of the new page, where the reader goes on (the pager stays focused for the keyboard).
    window.requestAnimationFrame(() => {
      const top = $("cases").getBoundingClientRect().top;
      if (top < 0) $("cases").scrollIntoView({ block: "start" });
    });
  }

  // Keep the newer of two views of a case (versions only grow).
  function merge(view) {
    const have = state.cases.get(view.case_id);
    if (have && have.version > view.version) return false;
    state.cases.set(view.case_id, view);
    const newUnit = (view.parties || []).some((u) => !state.knownUnits.has(u));
    if (newUnit || !state.knownKinds.has(view.kind)) buildFilterOptions();
    return true;
  }
  // ---- the token: asked for once, kept for this tab only (sessionStorage), sent on every request ----

  const TOKEN_KEY = "liaison.board.token";

  function token() {
    return window.sessionStorage.getItem(TOKEN_KEY);
  }

  class Refused extends Error {}

  function askForToken(problem) {
    window.sessionStorage.removeItem(TOKEN_KEY);
    stopStream();
    $("sign-in").hidden = false;
    $("sign-out").hidden = true;
    $("board").hidden = true;
    $("sign-in-problem").hidden = !problem;
    $("sign-in-problem").textContent = problem ? t("tokenRefused", { message: problem }) : "";
    $("token").focus();
  }

  async function getJSON(url) {
    const headers = { Accept: "application/json", Authorization: `Bearer ${token()}` };
    const response = await fetch(url, { headers, cache: "no-store" });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const message = body?.reason?.message || `${response.status} ${response.statusText}`;
      if (response.status === 401) {
        askForToken(message);
        throw new Refused(message);
      }
      throw new Error(message);
    }
    return body;
  }

  function showProblem(message) {
    const problem = $("problem");
    problem.hidden = !message;
    problem.textContent = message || "";
  }

  // Reload every view: on connecting, after a reconnect and on ``resync``, so nothing missed while
  // the stream was down stays missing. Updates arriving meanwhile are kept when newer.
  async function reloadCases() {
    const ticket = ++state.reloading;
    state.liveSinceReload.clear();
    let list;
    try {
      list = await getJSON("/v1/cases");
    } catch (err) {
      if (err instanceof Refused) return; // the sign-in form says why
      if (ticket === state.reloading) showProblem(t("loadFailed", { what: t("theCases"), message: err.message }));
      return;
    }
    if (ticket !== state.reloading) return; // a later reload supersedes this one
    const next = new Map(list.map((view) => [view.case_id, view]));
    for (const id of state.liveSinceReload) {
      const live = state.cases.get(id);
      const loaded = next.get(id);
      if (live && (!loaded || loaded.version < live.version)) next.set(id, live);
    }
    state.cases = next;
    showProblem("");
    buildFilterOptions();
    render();
    document.body.dataset.loaded = "true";
    if (state.selected) {
      if (state.cases.has(state.selected)) {
        refreshTimeline();
      } else if (state.eventsFor !== state.selected) { // not among the cases this token may see
        state.eventsFor = state.selected;
        state.events = [];
      }
      renderTimeline();
    }
  }

  // ---- the live stream --------------------------------------------------------------------------

  function showConnection(which) {
    state.connection = which;
    const box = $("connection");
    box.dataset.state = which;
    $("connection-text").textContent = t(which);
  }

  // The stream is read with fetch, not EventSource: EventSource cannot send the Authorization header.
  // It resumes from the last event id after a drop; every `ready` reloads the views, so nothing is missed.
  function stopStream() {
    window.clearTimeout(state.reconnectTimer);
    if (state.stream) state.stream.abort();
    state.stream = null;
  }

  function onEvent(kind, data, stream) {
    if (state.stream !== stream) return;
    if (kind === "ready") {
      showConnection("live");
      reloadCases();
    } else if (kind === "resync") {
      showConnection("catchingUp");
      reloadCases().then(() => { if (state.stream === stream) showConnection("live"); });
    } else if (kind === "unauthorized") {
      let body = null;
      try { body = JSON.parse(data); } catch (_err) { /* the message below does */ }
      askForToken(body?.reason?.message || "401");
    } else if (kind === "message") {
      let update;
      try { update = JSON.parse(data); } catch (_err) { return; }
      if (!update || !update.view || !update.view.case_id) return;
      state.liveSinceReload.add(update.view.case_id);
      if (merge(update.view)) {
        state.fresh.set(update.view.case_id, Date.now());
        render();
        window.setTimeout(render, FRESH_MS + 100); // the highlight ends
        if (update.view.case_id === state.selected) {
          renderTimeline();
          refreshTimeline();
        }
      }
    }
  }

  async function readStream(stream) {
    const headers = { Accept: "text/event-stream", Authorization: `Bearer ${token()}` };
    if (state.lastEventId) headers["Last-Event-ID"] = state.lastEventId;
    const response = await fetch("/v1/updates", { headers, cache: "no-store", signal: stream.signal });
    if (response.status === 401) {
      const body = await response.json().catch(() => null);
      askForToken(body?.reason?.message || "401");
      return;
    }
    if (!response.ok || !response.body) throw new Error(`${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let kind = "message";
    let data = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the stream ended");
      buffer += value;
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, "");
        buffer = buffer.slice(newline + 1);
        if (line === "") {
          if (data.length) onEvent(kind, data.join("\n"), stream);
          kind = "message";
          data = [];
          continue;
        }
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") kind = text;
        else if (field === "data") data.push(text);
        else if (field === "id") state.lastEventId = text;
      }
    }
  }

  function connect() {
    stopStream();
    if (!token()) { askForToken(""); return; }
    showConnection("connecting");
    const stream = new AbortController();
    state.stream = stream;
    readStream(stream).catch(() => {
      if (state.stream !== stream) return; // stopped on purpose, or replaced
      showConnection("reconnecting");
      state.reconnectTimer = window.setTimeout(connect, RECONNECT_MS);
    });
  }


  // ---- following one case: its facts, obligations and timeline, kept live ------------------------------
  // On a wide screen the case opens beside the list; on a narrower one it takes the screen, with a back
  // control (and the browser's own back, since following a case adds a history entry).

  function openCase(caseId, quiet) {
    if (!state.selected && !isSideBySide()) state.listScroll = window.scrollY;
    state.selected = caseId;
    state.events = null;
    state.eventsFor = null;
    state.eventsVersion = 0;
    state.eventsSeen = new Set();
    $("board").dataset.following = "true";
    $("timeline-news").textContent = "";
    render();
    renderTimeline();
    refreshTimeline();
    if (!isSideBySide()) window.scrollTo(0, 0);
    if (!quiet) $("timeline-heading").focus({ preventScroll: isSideBySide() });
  }

  function closeCase() {
    const was = state.selected;
    if (!was) return;
    state.selected = null;
    state.events = null;
    state.eventsFor = null;
    $("board").dataset.following = "false";
    renderCases(); // at once, so the case's link is there to take the focus back
    renderTimeline();
    if (!isSideBySide()) window.scrollTo(0, state.listScroll);
    const link = document.querySelector(`.case-link[data-case="${CSS.escape(was)}"]`);
    if (link) link.focus({ preventScroll: true });
    else $("cases").focus({ preventScroll: true });
  }

  function isSideBySide() {
    return window.matchMedia("(min-width: 75rem)").matches;
  }

  // A person follows a case: a new history entry, so the phone's back button returns to the list.
  function followCase(caseId) {
    if (state.selected === caseId) { $("timeline-heading").focus(); return; }
    const fromList = !state.selected;
    openCase(caseId);
    const target = hashOf(state.list, caseId);
    if (fromList) window.history.pushState({ followed: true }, "", target);
    else window.history.replaceState(window.history.state, "", target);
  }

  function unfollow() {
    if (!state.selected) return;
    if (window.history.state?.followed) { window.history.back(); return; } // popstate closes it
    closeCase();
    saveHash();
  }

  // Back, forward, or a fragment typed or pasted: open or close the case it names. A back that closes the
  // case keeps the list as it is now (searched or sorted while the case was open); otherwise the fragment's
  // list applies.
  function applyHash() {
    const { list, caseId } = readHash();
    if (caseId !== state.selected) {
      if (caseId) { state.list = list; syncControls(); openCase(caseId); }
      else { closeCase(); saveHash(); }
      return;
    }
    state.list = list;
    syncControls();
    render();
  }

  // Load the followed case's events when they are missing or older than its view. One load at a time;
  // when the selection or the view moved on meanwhile, load again (but never loop on a failure).
  async function refreshTimeline() {
    const caseId = state.selected;
    if (!caseId || state.eventsLoading) return;
    const view = state.cases.get(caseId);
    if (state.eventsFor === caseId && (!view || view.version <= state.eventsVersion)) return;
    if (!view && document.body.dataset.loaded !== "true") return; // the list's load will call again
    state.eventsLoading = true;
    $("events").setAttribute("aria-busy", "true");
    let loaded = false;
    try {
      const events = await getJSON(`/v1/cases/${encodeURIComponent(caseId)}/events`);
      if (state.selected === caseId) {
        const first = state.eventsFor !== caseId;
        const fresh = first ? [] : events.filter((item) => !state.eventsSeen.has(eventKey(item)));
        for (const item of events) state.eventsSeen.add(eventKey(item));
        state.events = events;
        state.eventsFor = caseId;
        state.eventsFresh = new Set(fresh.map(eventKey));
        state.eventsVersion = Math.max(0, ...events.map((item) => item.event?.case_version || 0));
        loaded = true;
        showProblem("");
        if (fresh.length) {
          $("timeline-news").textContent = t("newEvents", { id: caseId,
            what: fresh.map((item) => value("event", item.event?.type)).join(", ") });
        }
      }
    } catch (err) {
      if (err instanceof Refused) return;
      if (state.selected === caseId) {
        if (!view) { state.eventsFor = caseId; state.events = []; }
        else showProblem(t("loadFailed", { what: t("theTimeline"), message: err.message }));
      }
    } finally {
      state.eventsLoading = false;
      $("events").setAttribute("aria-busy", "false");
    }
    renderTimeline();
    const now = state.selected ? state.cases.get(state.selected) : null;
    const moved = state.selected !== caseId;
    if (state.selected && (moved || (loaded && now && now.version > state.eventsVersion))) refreshTimeline();
  }

  function eventKey(item) {
    return item.event?.event_id || `${item.number}`;
  }

  function findText(event) {
    for (const field of TEXT_FIELDS) {
      const text = event[field];
      if (text && typeof text === "object" && typeof text.original === "string") return text;
    }
    return null;
  }

  // The text in the chosen language, and the original (marked) when the chosen one is a translation.
  function textBlock(text) {
    const original = text.original;
    const chosen = text[state.lang];
    const parts = [];
    if (chosen && state.lang === original) {
      parts.push(el("p", { class: "text is-original", lang: HTML_LANG[original] }, chosen, " ",
        el("span", { class: "tag original-tag" }, t("original"))));
      return parts;
    }
    if (chosen) {
      parts.push(el("p", { class: "text", lang: HTML_LANG[state.lang] }, chosen, " ",
        el("span", { class: "tag" }, t("translation"))));
    } else {
      parts.push(el("p", { class: "muted small" }, t("noTextInLanguage")));
    }
    if (text[original]) {
      parts.push(el("p", { class: "text is-original", lang: HTML_LANG[original] || original },
        el("span", { class: "tag original-tag" }, `${t("original")} · ${LANGUAGE_NAME[original] || original}`), " ",
        text[original]));
    }
    return parts;
  }

  function eventItem(item) {
    const event = item.event || {};
    const text = findText(event);
    const isNew = state.eventsFresh?.has(eventKey(item));
    const classes = ["event", /Overdue$/.test(event.type || "") ? "overdue" : "", isNew ? "new" : ""];
    return el("li", { class: classes.filter(Boolean).join(" "), "data-type": event.type },
      el("div", { class: "event-head" },
        el("span", { class: "event-type" }, value("event", event.type)),
        isNew ? el("strong", { class: "badge new-badge" }, t("newEvent")) : null,
        el("span", { class: "version" }, t("version", { n: event.case_version }))),
      el("div", { class: "event-when" }, clocks(event.occurred_at?.utc)),
      el("div", { class: "event-who" }, el("span", { class: "muted" }, t("byUnit")), " ",
        unitChip(event.unit),
        event.officer ? el("span", { class: "muted" }, ` · ${event.officer}`) : null),
      ...(text ? textBlock(text) : []));
  }

  function fact(label, content) {
    return [el("dt", {}, label), el("dd", {}, content)];
  }

  function isClocks(val) {
    return val && typeof val === "object" && typeof val.utc === "string" && "vietnam" in val;
  }

  const FACT_VALUES = { impact: "impact", risk_level: "impact", phase: "phase", answer: "answer",
    subject_kind: "subject_kind", meeting_kind: "meeting_kind", patrol_kind: "patrol_kind",
    close_reason: "close_reason", last_response: "response" };
  const FACT_UNITS = new Set(["raised_by", "acknowledged_by", "from_unit", "to_unit", "host_unit", "transferred_to"]);

  function factValue(val, name) {
    if (isClocks(val)) return clocks(val.utc);
    if (name === "category") return categoryName(val);
    if (name === "location") return locationText(val) || "—";
    if (FACT_UNITS.has(name)) return unitChip(val);
    if (name === "signatories") return val.map(unitChip);
    if (FACT_VALUES[name]) return value(FACT_VALUES[name], val);
    if (Array.isArray(val)) return val.join(", ") || "—";
    if (typeof val === "boolean") return val ? "✓" : "✗";
    if (val && typeof val === "object") {
      return Object.entries(val).filter(([, v]) => v !== null && typeof v !== "object")
        .map(([k, v]) => `${humanize(k)}: ${v}`).join(", ");
    }
    return humanize(val);
  }

  const FACTS = {
    incident: ["category", "impact", "location", "happened_at", "raised_by", "acknowledge_by", "acknowledged_by",
      "acknowledged_at", "last_response", "close_reason"],
    handover: ["phase", "answer", "subject_kind", "from_unit", "to_unit", "count", "accept_by", "risk_level", "gate",
      "scheduled_for", "executed_at", "blocked"],
    patrol: ["patrol_kind", "window", "agreement", "host_unit", "sections", "markers", "findings"],
    meeting: ["meeting_kind", "held_at", "border_gate", "signed_at", "signatories"],
  };

  function caseDetail(view) {
    const items = [
      ...fact(t("colParties"), el("ul", { class: "party-list" }, (view.parties || []).map((u) =>
        el("li", {}, unitChip(u), unitName(u) ? el("span", { class: "muted small" }, ` ${unitName(u)}`) : null)))),
      ...fact(t("opened"), clocks(view.first_update?.utc)),
      ...fact(t("colLast"), clocks(view.last_update?.utc)),
    ];
    const facts = view[view.kind];
    for (const name of FACTS[view.kind] || []) {
      if (name === "window") {
        items.push(...fact(t("patrolWindow"), [windowClocks(facts?.starts_at?.utc, facts?.ends_at?.utc), " · ",
          value("patrol_status", patrolState(facts || {}))]));
        continue;
      }
      const val = facts?.[name];
      if (val === null || val === undefined || val === false || (Array.isArray(val) && !val.length)) continue;
      items.push(...fact(t(`f_${name}`), factValue(val, name)));
    }
    if ((view.linked_cases || []).length) {
      items.push(...fact(t("linked"), el("span", { class: "linked" }, view.linked_cases.map((id) =>
        (state.cases.has(id) ? el("button", { type: "button", class: "case-link", "data-case": id }, id)
          : el("span", { class: "mono" }, id))))));
    }
    const obligations = view.obligations || [];
    return [
      el("dl", { class: "facts" }, ...items),
      el("h3", {}, t("colObligations")),
      obligations.length ? el("ul", { class: "obligations" }, obligations.map(obligationItem))
        : el("p", { class: "muted" }, t("noObligations")),
    ];
  }

  function renderTimeline() {
    const caseId = state.selected;
    const view = caseId ? state.cases.get(caseId) : null;
    $("timeline").hidden = !caseId;
    $("timeline-heading").replaceChildren(...(caseId
      ? [el("span", { class: "visually-hidden" }, `${t("timeline")}: `), el("span", { class: "mono-id" }, caseId)]
      : [t("timeline")]));
    $("timeline-sub").replaceChildren(...(view ? [value("kind", view.kind), " · ", statusLabel(view), ...badges(view)]
      .filter(Boolean) : []));
    const unknown = caseId && !view && document.body.dataset.loaded === "true" && !state.eventsLoading
      && state.eventsFor === caseId && !(state.events || []).length;
    $("case-detail").replaceChildren(...(view ? caseDetail(view)
      : unknown ? [el("p", { class: "problem" }, t("unknownCase", { id: caseId }))] : []));
    $("events-heading").hidden = Boolean(unknown);
    $("events-heading").textContent = state.events && state.eventsFor === caseId
      ? t("eventsN", { n: state.events.length }) : t("counts");
    const list = $("events");
    if (!caseId || unknown) {
      list.replaceChildren();
    } else if (!state.events) {
      list.replaceChildren(el("li", { class: "muted" }, t("loading")));
    } else {
      list.replaceChildren(...state.events.map(eventItem));
    }
  }

  // ---- start ------------------------------------------------------------------------------------

  function start() {
    ({ list: state.list } = readHash());
    const wanted = readHash().caseId;
    for (const button of document.querySelectorAll("[data-lang]")) {
      button.addEventListener("click", () => setLanguage(button.dataset.lang));
    }
    $("filters").addEventListener("submit", (e) => e.preventDefault());
    $("search").addEventListener("input", () => {
      window.clearTimeout(state.searchTimer);
      state.searchTimer = window.setTimeout(() => setList({ q: $("search").value.trim() }), SEARCH_WAIT_MS);
    });
    $("filters").addEventListener("change", (e) => {
      const changes = {
        "filter-unit": () => ({ unit: $("filter-unit").value }),
        "filter-kind": () => ({ kind: $("filter-kind").value }),
        "filter-status": () => ({ status: $("filter-status").value }),
        "filter-overdue": () => ({ overdue: $("filter-overdue").checked }),
        sort: () => ({ sort: $("sort").value }),
        "page-size": () => ({ size: Number.parseInt($("page-size").value, 10) }),
      }[e.target.id];
      if (changes) setList(changes());
    });
    $("filters-toggle").addEventListener("click", () => {
      const open = $("filters-toggle").getAttribute("aria-expanded") !== "true";
      $("filters-toggle").setAttribute("aria-expanded", String(open));
      $("filters-panel").dataset.open = String(open);
    });
    $("clear-filters").addEventListener("click", () => {
      $("search").value = "";
      setList({ q: "", unit: "", kind: "", status: DEFAULT_VIEW.status, overdue: false });
    });
    for (const button of document.querySelectorAll(".sort-button")) {
      button.addEventListener("click", () => {
        const { key, sign } = sortKey(state.list.sort);
        const next = button.dataset.sort;
        const dir = next === key ? (sign > 0 ? "desc" : "asc") : FIRST_DIR[next];
        setList({ sort: `${next}-${dir}` });
      });
    }
    $("page-prev").addEventListener("click", () => goToPage(Math.max(1, Number(document.body.dataset.page) - 1)));
    $("page-next").addEventListener("click", () => goToPage(Number(document.body.dataset.page) + 1));
    // A click on a case's link, or anywhere on its row or card that is not another control, follows it.
    $("board").addEventListener("click", (e) => {
      const link = e.target.closest(".case-link");
      if (link) { followCase(link.dataset.case); return; }
      if (e.target.closest("button, a, input, select, label")) return;
      const item = e.target.closest("tr.case, li.case-card");
      if (item && !window.getSelection()?.toString()) followCase(item.dataset.case);
    });
    $("close-timeline").addEventListener("click", unfollow);
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && state.selected && !e.target.closest?.("input, select")) unfollow();
    });
    window.addEventListener("popstate", applyHash);
    window.addEventListener("hashchange", applyHash);
    COMPACT.addEventListener("change", () => renderCases());
    window.addEventListener("online", () => { if (token() && !state.stream) connect(); });
    $("sign-in").addEventListener("submit", (e) => {
      e.preventDefault();
      const given = $("token").value.trim();
      if (!given) return;
      window.sessionStorage.setItem(TOKEN_KEY, given);
      $("token").value = "";
      $("sign-in").hidden = true;
      $("sign-out").hidden = false;
      $("board").hidden = false;
      connect();
    });
    $("sign-out").addEventListener("click", () => {
      state.cases = new Map();
      document.body.dataset.loaded = "false";
      if (state.selected) closeCase();
      render();
      askForToken("");
    });
    setLanguage(initialLanguage());
    syncControls();
    // The clocks tick, and the "just updated" highlight, the time left and passed deadlines are re-evaluated.
    window.setInterval(() => {
      renderNow();
      render();
      const reading = $("case-detail").contains(document.activeElement) || $("events").contains(document.activeElement);
      if (state.selected && !reading) renderTimeline();
    }, 15000);
    if (token()) $("sign-out").hidden = false;
    if (wanted) openCase(wanted, true);
    else renderTimeline();
    connect();
  }

  start();
})();
