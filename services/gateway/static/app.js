// The Liaison case board: live case views from /v1/updates, timelines from /v1/cases/{id}/events.
// Plain JavaScript, no dependencies, nothing loaded from elsewhere (these machines are offline).
"use strict";

(() => {
  const LANGS = ["vi", "zh", "en"];
  const HTML_LANG = { vi: "vi", zh: "zh-Hans", en: "en" };
  const LANGUAGE_NAME = { vi: "Tiếng Việt", zh: "中文", en: "English" };
  const STORAGE_KEY = "liaison.board.language";
  const RECONNECT_MS = 2000;
  const FRESH_MS = 4000; // how long a row just updated stays highlighted
  const RENDER_GAP_MS = 150;
  const MAX_ROWS = 500; // the newest cases passing the filters; more would only slow the page down
  const STATUSES = ["open", "awaiting_confirmation", "awaiting_acknowledgement", "awaiting_acceptance", "closed"];
  const KINDS = ["hotline", "incident", "handover", "patrol", "meeting"];
  // Fields of an event that hold its free text, the most telling first.
  const TEXT_FIELDS = ["summary", "subject", "description", "circumstances", "reason", "minutes", "note", "plan",
    "place", "body"];

  const I18N = {
    en: {
      title: "Liaison case board", skip: "Skip to the cases", now: "Now", language: "Language",
      filters: "Filters", unit: "Unit", kind: "Kind", status: "Status", all: "All",
      openCases: "Open cases (not closed)", everyStatus: "Every status",
      overdueOnly: "Only cases with overdue obligations", shown: "{n} of {total} cases shown",
      capped: "(the {max} latest listed: narrow the filters)",
      cases: "Cases", colCase: "Case", colParties: "Units", colLast: "Last update",
      colObligations: "Open obligations", none: "none", noCases: "No case matches these filters.",
      noCasesYet: "No cases yet: they appear here as soon as a report is recorded.",
      overdue: "Overdue", due: "due", since: "since", owedBy: "owed by",
      vn: "VN", cn: "CN", vnLong: "Vietnam time (UTC+7)", cnLong: "China time (UTC+8)",
      timeline: "Timeline", timelineOf: "Timeline of {id}", selectCase: "Select a case to see its timeline.",
      close: "Close", loading: "Loading…", version: "v{n}", byUnit: "Unit", officer: "Officer",
      original: "original", translation: "translation", noTextInLanguage: "not written in English",
      connecting: "Connecting…", live: "Live", reconnecting: "Connection lost — reconnecting…",
      catchingUp: "Catching up…", loadFailed: "Could not load {what}: {message}",
      theCases: "the cases", theTimeline: "the timeline", opened: "Opened", stale: "Stale view",
      exercise: "Exercise", linked: "Linked cases", counts: "Events", showTimeline: "Show the timeline of {id}",
      updated: "updated", signIn: "Sign in", token: "Token", signInButton: "Open the board", signOut: "Sign out",
      signInHelp: "Paste the token your operator issued for your unit (liaison token issue). It is kept for this tab only.",
      tokenRefused: "The token was refused: {message}",
      f_category: "Category", f_impact: "Impact", f_location: "Location", f_happened_at: "Happened",
      f_raised_by: "Raised by", f_acknowledge_by: "Acknowledge by", f_acknowledged_by: "Acknowledged by",
      f_acknowledged_at: "Acknowledged at", f_last_response: "Last response", f_close_reason: "Closed as",
      f_phase: "Phase", f_subject_kind: "Subject", f_from_unit: "From", f_to_unit: "To", f_count: "Persons",
      f_accept_by: "Accept by", f_risk_level: "Risk", f_gate: "Gate", f_scheduled_for: "Scheduled for",
      f_executed_at: "Executed", f_agreement: "Agreement", f_host_unit: "Host", f_starts_at: "Starts",
      f_ends_at: "Ends", f_sections: "Sections", f_markers: "Markers", f_findings: "Findings",
      f_meeting_kind: "Meeting", f_held_at: "Held", f_border_gate: "Border gate", f_signed_at: "Minutes signed",
      f_signatories: "Signed by", f_blocked: "Blocked by an objection", f_answer: "Answer",
    },
    vi: {
      signIn: "Đăng nhập", token: "Mã truy cập", signInButton: "Mở bảng", signOut: "Đăng xuất",
      signInHelp: "Dán mã truy cập do quản trị viên cấp cho đơn vị của bạn (liaison token issue). Mã chỉ được giữ trong thẻ này.",
      tokenRefused: "Mã truy cập bị từ chối: {message}",
      title: "Bảng theo dõi vụ việc Liaison", skip: "Chuyển đến danh sách vụ việc", now: "Bây giờ",
      language: "Ngôn ngữ", filters: "Bộ lọc", unit: "Đơn vị", kind: "Loại", status: "Trạng thái", all: "Tất cả",
      openCases: "Vụ việc chưa đóng", everyStatus: "Mọi trạng thái",
      overdueOnly: "Chỉ vụ việc có nghĩa vụ quá hạn", shown: "Hiển thị {n}/{total} vụ việc",
      capped: "(liệt kê {max} vụ việc mới nhất: hãy thu hẹp bộ lọc)",
      cases: "Vụ việc", colCase: "Vụ việc", colParties: "Đơn vị liên quan", colLast: "Cập nhật gần nhất",
      colObligations: "Nghĩa vụ chưa hoàn thành", none: "không có", noCases: "Không có vụ việc nào phù hợp bộ lọc.",
      noCasesYet: "Chưa có vụ việc: vụ việc xuất hiện ở đây ngay khi một báo cáo được ghi nhận.",
      overdue: "Quá hạn", due: "hạn", since: "từ", owedBy: "bên thực hiện",
      vn: "VN", cn: "TQ", vnLong: "Giờ Việt Nam (UTC+7)", cnLong: "Giờ Trung Quốc (UTC+8)",
      timeline: "Diễn biến", timelineOf: "Diễn biến vụ việc {id}",
      selectCase: "Chọn một vụ việc để xem diễn biến.", close: "Đóng", loading: "Đang tải…", version: "lần {n}",
      byUnit: "Đơn vị", officer: "Cán bộ", original: "bản gốc", translation: "bản dịch",
      noTextInLanguage: "không có bản tiếng Việt", connecting: "Đang kết nối…", live: "Trực tiếp",
      reconnecting: "Mất kết nối — đang kết nối lại…", catchingUp: "Đang cập nhật lại…",
      loadFailed: "Không tải được {what}: {message}", theCases: "danh sách vụ việc", theTimeline: "diễn biến",
      opened: "Mở lúc", stale: "Dữ liệu chưa đầy đủ", exercise: "Diễn tập", linked: "Vụ việc liên quan",
      counts: "Sự kiện", showTimeline: "Xem diễn biến vụ việc {id}", updated: "vừa cập nhật",
      f_category: "Loại sự việc", f_impact: "Mức độ ảnh hưởng", f_location: "Địa điểm",
      f_happened_at: "Thời điểm xảy ra", f_raised_by: "Đơn vị báo", f_acknowledge_by: "Hạn xác nhận",
      f_acknowledged_by: "Đơn vị xác nhận", f_acknowledged_at: "Xác nhận lúc", f_last_response: "Xử lý gần nhất",
      f_close_reason: "Lý do đóng", f_phase: "Giai đoạn", f_subject_kind: "Đối tượng", f_from_unit: "Bên giao",
      f_to_unit: "Bên nhận", f_count: "Số người", f_accept_by: "Hạn chấp nhận", f_risk_level: "Mức rủi ro",
      f_gate: "Cửa khẩu", f_scheduled_for: "Thời gian dự kiến", f_executed_at: "Đã bàn giao lúc",
      f_agreement: "Thỏa thuận", f_host_unit: "Đơn vị chủ trì", f_starts_at: "Bắt đầu", f_ends_at: "Kết thúc",
      f_sections: "Đoạn biên giới", f_markers: "Cột mốc", f_findings: "Phát hiện", f_meeting_kind: "Hình thức",
      f_held_at: "Thời gian", f_border_gate: "Cửa khẩu", f_signed_at: "Ký biên bản lúc",
      f_signatories: "Đơn vị ký", f_blocked: "Bị chặn do phản đối", f_answer: "Trả lời",
    },
    zh: {
      signIn: "登录", token: "访问令牌", signInButton: "打开看板", signOut: "退出",
      signInHelp: "粘贴管理员为本单位签发的令牌（liaison token issue）。令牌只保存在此标签页中。",
      tokenRefused: "令牌被拒绝：{message}",
      title: "Liaison 边境联络案件看板", skip: "跳到案件列表", now: "现在", language: "语言", filters: "筛选",
      unit: "单位", kind: "类型", status: "状态", all: "全部", openCases: "未结案件", everyStatus: "所有状态",
      overdueOnly: "仅显示有逾期事项的案件", shown: "显示 {n}/{total} 个案件",
      capped: "（仅列出最新的 {max} 个：请缩小筛选范围）", cases: "案件", colCase: "案件",
      colParties: "相关单位", colLast: "最近更新", colObligations: "待办事项", none: "无",
      noCases: "没有符合筛选条件的案件。", noCasesYet: "暂无案件：报告一经记录即在此显示。",
      overdue: "逾期", due: "期限", since: "自", owedBy: "责任方",
      vn: "越", cn: "中", vnLong: "越南时间 (UTC+7)", cnLong: "中国时间 (UTC+8)",
      timeline: "时间线", timelineOf: "案件 {id} 时间线", selectCase: "选择一个案件查看其时间线。", close: "关闭",
      loading: "加载中…", version: "第 {n} 版", byUnit: "单位", officer: "人员", original: "原文",
      translation: "译文", noTextInLanguage: "无中文文本", connecting: "正在连接…", live: "实时",
      reconnecting: "连接中断，正在重新连接…", catchingUp: "正在同步…", loadFailed: "无法加载{what}：{message}",
      theCases: "案件列表", theTimeline: "时间线", opened: "开始", stale: "视图不完整", exercise: "演练",
      linked: "关联案件", counts: "事件", showTimeline: "查看案件 {id} 的时间线", updated: "已更新",
      f_category: "类别", f_impact: "影响", f_location: "地点", f_happened_at: "发生时间", f_raised_by: "报告单位",
      f_acknowledge_by: "确认期限", f_acknowledged_by: "确认单位", f_acknowledged_at: "确认时间",
      f_last_response: "最新处置", f_close_reason: "结案原因", f_phase: "阶段", f_subject_kind: "对象",
      f_from_unit: "移交方", f_to_unit: "接收方", f_count: "人数", f_accept_by: "接受期限", f_risk_level: "风险",
      f_gate: "口岸", f_scheduled_for: "计划时间", f_executed_at: "执行时间", f_agreement: "协议",
      f_host_unit: "主办单位", f_starts_at: "开始", f_ends_at: "结束", f_sections: "边境段", f_markers: "界碑",
      f_findings: "发现", f_meeting_kind: "形式", f_held_at: "举行时间", f_border_gate: "口岸",
      f_signed_at: "纪要签署时间", f_signatories: "签署单位", f_blocked: "因反对而暂停", f_answer: "答复",
    },
  };

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
      unknown: ["Unknown", "Không rõ", "未知"],
    },
    obligation: {
      written_confirmation: ["Written confirmation", "Xác nhận bằng văn bản", "书面确认"],
      acknowledgement: ["Acknowledgement", "Xác nhận đã nhận", "确认收悉"],
      incident_acknowledgement: ["Incident acknowledgement", "Xác nhận sự việc", "事件确认"],
      handover_acceptance: ["Handover acceptance", "Chấp nhận bàn giao", "接受移交"],
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
    },
  };
  const VALUE_INDEX = { en: 0, vi: 1, zh: 2 };

  const state = {
    lang: "en",
    cases: new Map(), // case id -> view
    liveSinceReload: new Set(), // cases an update touched while a reload was in flight
    reloading: 0,
    selected: null,
    events: null, // the selected case's logged events
    eventsFor: null, // the case those events are of
    eventsVersion: 0,
    eventsLoading: false,
    stream: null, // the AbortController of the updates stream being read
    lastEventId: null, // where a resumed stream starts from
    reconnectTimer: null,
    connection: "connecting",
    fresh: new Map(), // case id -> time of its last live update (for the highlight)
    renderQueued: false,
    lastRender: 0,
    knownUnits: new Set(),
    knownKinds: new Set(),
  };

  const $ = (id) => document.getElementById(id);

  // ---- language ---------------------------------------------------------------------------------

  function t(key, params) {
    let text = I18N[state.lang][key] ?? I18N.en[key] ?? key;
    for (const [name, value] of Object.entries(params || {})) text = text.replace(`{${name}}`, String(value));
    return text;
  }

  function value(group, code) {
    const names = VALUES[group][code];
    return names ? names[VALUE_INDEX[state.lang]] : String(code).replaceAll("_", " ");
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
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    for (const button of document.querySelectorAll("[data-lang]")) {
      button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
    }
    showConnection(state.connection);
    buildFilterOptions();
    renderNow();
    render();
    renderTimeline();
  }

  // ---- time on both clocks ----------------------------------------------------------------------

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

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, val] of Object.entries(attrs || {})) {
      if (val === null || val === undefined || val === false) continue;
      if (name === "class") node.className = val;
      else if (name === "text") node.textContent = val;
      else node.setAttribute(name, val === true ? "" : String(val));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // One instant on the Vietnamese and the Chinese clock, on one line: "VN 2026-11-23 14:34 · CN 15:34"
  // (the Chinese date is repeated only when it differs, i.e. between 23:00 and 24:00 Vietnam time).
  function clocks(utc) {
    if (!utc) return el("span", { class: "muted", text: "—" });
    const vn = wallClock(utc, 7);
    const cn = wallClock(utc, 8);
    if (vn === null) return el("span", { text: utc });
    const one = (cls, zone, long, wall, showDate) => el("time", {
      class: `clock ${cls}`, datetime: `${wall.date}T${wall.time}${wall.offset}`,
      title: `${long}: ${wall.date} ${wall.time}`,
    }, el("abbr", { title: long, class: "zone" }, zone), " ", showDate ? `${wall.date} ${wall.time}` : wall.time);
    return el("span", { class: "clocks" },
      one("vn", t("vn"), t("vnLong"), vn, true),
      el("span", { class: "sep", "aria-hidden": "true" }, " · "),
      one("cn", t("cn"), t("cnLong"), cn, cn.date !== vn.date));
  }

  function renderNow() {
    $("now-clocks").replaceChildren(clocks(new Date().toISOString()));
  }

  // ---- the cases --------------------------------------------------------------------------------

  function isOverdue(obligation) {
    if (obligation.overdue) return true;
    // A deadline already passed counts as overdue even before the service records it (within a second).
    return Boolean(obligation.due && Date.parse(obligation.due.utc) < Date.now());
  }

  function hasOverdue(view) {
    return (view.obligations || []).some(isOverdue);
  }

  function lastMoment(view) {
    return view.last_update ? Date.parse(view.last_update.utc) || 0 : 0;
  }

  function filters() {
    return {
      unit: $("filter-unit").value,
      kind: $("filter-kind").value,
      status: $("filter-status").value,
      overdue: $("filter-overdue").checked,
    };
  }

  function passes(view, f) {
    if (f.unit && !(view.parties || []).includes(f.unit)) return false;
    if (f.kind && view.kind !== f.kind) return false;
    if (f.status === "open" && view.status === "closed") return false;
    if (f.status && f.status !== "open" && f.status !== "any" && view.status !== f.status) return false;
    if (f.overdue && !hasOverdue(view)) return false;
    return true;
  }

  function setOptions(select, options, keep) {
    const current = keep ?? select.value;
    select.replaceChildren(...options.map(([val, label]) => el("option", { value: val }, label)));
    select.value = options.some(([val]) => val === current) ? current : options[0][0];
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
    setOptions($("filter-unit"), [["", t("all")], ...[...units].sort().map((u) => [u, u])]);
    setOptions($("filter-kind"), [["", t("all")], ...[...kinds].map((k) => [k, value("kind", k)])]);
    setOptions($("filter-status"), [["open", t("openCases")], ["any", t("everyStatus")],
      ...STATUSES.map((s) => [s, value("status", s)])]);
  }

  function obligationItem(obligation) {
    const late = isOverdue(obligation);
    return el("li", { class: late ? "obligation overdue" : "obligation" },
      late ? el("strong", { class: "badge overdue-badge" }, "⚠ ", t("overdue")) : null,
      el("span", { class: "obligation-kind" }, value("obligation", obligation.kind)),
      " — ", el("span", { class: "muted" }, t("owedBy")), " ", el("span", { class: "unit" }, obligation.owed_by),
      obligation.due ? el("span", { class: "when" }, el("span", { class: "muted" }, t("due")), " ",
        clocks(obligation.due.utc)) : null,
      !obligation.due && obligation.since ? el("span", { class: "when" }, el("span", { class: "muted" }, t("since")),
        " ", clocks(obligation.since.utc)) : null);
  }

  function caseRow(view) {
    const overdue = hasOverdue(view);
    const selected = view.case_id === state.selected;
    const fresh = (state.fresh.get(view.case_id) || 0) > Date.now() - FRESH_MS;
    const classes = ["case", overdue ? "has-overdue" : "", selected ? "selected" : "", fresh ? "fresh" : ""];
    const obligations = view.obligations || [];
    return el("tr", { class: classes.filter(Boolean).join(" "), "data-case": view.case_id,
      "data-status": view.status, "data-kind": view.kind },
      el("th", { scope: "row" },
        el("button", { type: "button", class: "case-link", "data-case": view.case_id,
          "aria-current": selected ? "true" : null, "aria-controls": "timeline",
          "aria-label": t("showTimeline", { id: view.case_id }) }, view.case_id),
        view.exercise ? el("span", { class: "badge" }, t("exercise")) : null,
        view.stale ? el("span", { class: "badge stale" }, t("stale")) : null),
      el("td", { class: "kind" }, value("kind", view.kind)),
      el("td", { class: "state" }, el("span", { class: `status status-${view.status}` }, value("status", view.status))),
      el("td", { class: "parties" }, ...(view.parties || []).map((u) => el("span", { class: "unit" }, u))),
      el("td", {}, view.last_update ? clocks(view.last_update.utc) : "—"),
      el("td", {}, obligations.length
        ? el("ul", { class: "obligations" }, ...obligations.map(obligationItem))
        : el("span", { class: "muted" }, t("none"))));
  }

  // Coalesced: a burst of updates redraws the table at most every RENDER_GAP_MS.
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
    const f = filters();
    const all = [...state.cases.values()];
    const shown = all.filter((view) => passes(view, f))
      .sort((a, b) => lastMoment(b) - lastMoment(a) || a.case_id.localeCompare(b.case_id));
    const focused = document.activeElement?.dataset?.case;
    $("case-rows").replaceChildren(...shown.slice(0, MAX_ROWS).map(caseRow));
    if (focused) document.querySelector(`.case-link[data-case="${CSS.escape(focused)}"]`)?.focus();
    $("shown").textContent = t("shown", { n: shown.length, total: all.length }) +
      (shown.length > MAX_ROWS ? ` ${t("capped", { max: MAX_ROWS })}` : "");
    for (const [id, when] of state.fresh) if (when < Date.now() - FRESH_MS) state.fresh.delete(id);
    const empty = $("empty");
    empty.hidden = shown.length > 0;
    empty.textContent = all.length ? t("noCases") : t("noCasesYet");
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
    if (state.selected && state.cases.has(state.selected)) refreshTimeline();
    document.body.dataset.loaded = "true";
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
        if (update.view.case_id === state.selected) refreshTimeline();
      }
    }
  }

  async function follow(stream) {
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
    follow(stream).catch(() => {
      if (state.stream !== stream) return; // stopped on purpose, or replaced
      showConnection("reconnecting");
      state.reconnectTimer = window.setTimeout(connect, RECONNECT_MS);
    });
  }

  // ---- a case's timeline ------------------------------------------------------------------------

  function select(caseId) {
    state.selected = caseId;
    state.events = null;
    state.eventsFor = null;
    state.eventsVersion = 0;
    render();
    renderTimeline();
    refreshTimeline();
    $("timeline").focus({ preventScroll: false });
  }

  function closeTimeline() {
    const was = state.selected;
    state.selected = null;
    state.events = null;
    state.eventsFor = null;
    render();
    renderTimeline();
    if (was) window.requestAnimationFrame(() =>
      document.querySelector(`.case-link[data-case="${CSS.escape(was)}"]`)?.focus());
  }

  // Load the selected case's events when they are missing or older than its view. One load at a time;
  // when the selection or the view moved on meanwhile, load again (but never loop on a failure).
  async function refreshTimeline() {
    const caseId = state.selected;
    if (!caseId || state.eventsLoading) return;
    const view = state.cases.get(caseId);
    if (state.eventsFor === caseId && (!view || view.version <= state.eventsVersion)) return;
    state.eventsLoading = true;
    $("events").setAttribute("aria-busy", "true");
    let loaded = false;
    try {
      const events = await getJSON(`/v1/cases/${encodeURIComponent(caseId)}/events`);
      if (state.selected === caseId) {
        state.events = events;
        state.eventsFor = caseId;
        state.eventsVersion = Math.max(0, ...events.map((item) => item.event?.case_version || 0));
        loaded = true;
        showProblem("");
      }
    } catch (err) {
      if (err instanceof Refused) return;
      if (state.selected === caseId) showProblem(t("loadFailed", { what: t("theTimeline"), message: err.message }));
    } finally {
      state.eventsLoading = false;
      $("events").setAttribute("aria-busy", "false");
    }
    renderTimeline();
    const now = state.selected ? state.cases.get(state.selected) : null;
    const moved = state.selected !== caseId;
    if (state.selected && (moved || (loaded && now && now.version > state.eventsVersion))) refreshTimeline();
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
    return el("li", { class: `event${/Overdue$/.test(event.type || "") ? " overdue" : ""}`,
      "data-type": event.type },
      el("div", { class: "event-head" },
        el("span", { class: "event-type" }, value("event", event.type)),
        el("span", { class: "version" }, t("version", { n: event.case_version }))),
      el("div", { class: "event-when" }, clocks(event.occurred_at?.utc)),
      el("div", { class: "event-who" }, el("span", { class: "muted" }, t("byUnit")), " ",
        el("span", { class: "unit" }, event.unit),
        event.officer ? el("span", { class: "muted" }, ` · ${event.officer}`) : null),
      ...(text ? textBlock(text) : []));
  }

  function fact(label, content) {
    return [el("dt", {}, label), el("dd", {}, content)];
  }

  function isClocks(val) {
    return val && typeof val === "object" && typeof val.utc === "string" && "vietnam" in val;
  }

  function factValue(val) {
    if (isClocks(val)) return clocks(val.utc);
    if (Array.isArray(val)) return val.join(", ") || "—";
    if (typeof val === "boolean") return val ? "✓" : "✗";
    if (val && typeof val === "object") {
      return Object.entries(val).filter(([, v]) => v !== null && typeof v !== "object")
        .map(([k, v]) => `${k.replaceAll("_", " ")}: ${v}`).join(", ");
    }
    return String(val).replaceAll("_", " ");
  }

  const FACTS = {
    incident: ["category", "impact", "location", "happened_at", "raised_by", "acknowledge_by", "acknowledged_by",
      "acknowledged_at", "last_response", "close_reason"],
    handover: ["phase", "answer", "subject_kind", "from_unit", "to_unit", "count", "accept_by", "risk_level", "gate",
      "scheduled_for", "executed_at", "blocked"],
    patrol: ["agreement", "host_unit", "starts_at", "ends_at", "sections", "markers", "findings"],
    meeting: ["meeting_kind", "held_at", "border_gate", "signed_at", "signatories"],
  };

  function caseDetail(view) {
    const items = [
      ...fact(t("status"), el("span", { class: `status status-${view.status}` }, value("status", view.status))),
      ...fact(t("kind"), value("kind", view.kind)),
      ...fact(t("colParties"), el("span", { class: "parties" },
        ...(view.parties || []).map((u) => el("span", { class: "unit" }, u)))),
      ...fact(t("opened"), clocks(view.first_update?.utc)),
      ...fact(t("colLast"), clocks(view.last_update?.utc)),
    ];
    const facts = view[view.kind];
    for (const name of FACTS[view.kind] || []) {
      const val = facts?.[name];
      if (val === null || val === undefined || val === false || (Array.isArray(val) && !val.length)) continue;
      items.push(...fact(t(`f_${name}`), factValue(val)));
    }
    if ((view.linked_cases || []).length) items.push(...fact(t("linked"), view.linked_cases.join(", ")));
    const obligations = view.obligations || [];
    return [
      el("dl", { class: "facts" }, ...items),
      el("h3", {}, t("colObligations")),
      obligations.length ? el("ul", { class: "obligations" }, ...obligations.map(obligationItem))
        : el("p", { class: "muted" }, t("none")),
      el("h3", {}, t("counts")),
    ];
  }

  function renderTimeline() {
    const caseId = state.selected;
    const view = caseId ? state.cases.get(caseId) : null;
    $("close-timeline").hidden = !caseId;
    $("timeline-hint").hidden = Boolean(caseId);
    $("timeline-heading").textContent = caseId ? t("timelineOf", { id: caseId }) : t("timeline");
    $("case-detail").replaceChildren(...(view ? caseDetail(view) : []));
    const list = $("events");
    if (!caseId) {
      list.replaceChildren();
    } else if (!state.events) {
      list.replaceChildren(el("li", { class: "muted" }, t("loading")));
    } else {
      list.replaceChildren(...state.events.map(eventItem));
    }
  }

  // ---- start ------------------------------------------------------------------------------------

  function start() {
    for (const button of document.querySelectorAll("[data-lang]")) {
      button.addEventListener("click", () => setLanguage(button.dataset.lang));
    }
    $("filters").addEventListener("change", render);
    $("filters").addEventListener("submit", (e) => e.preventDefault());
    $("case-rows").addEventListener("click", (e) => {
      const button = e.target.closest(".case-link");
      if (button) select(button.dataset.case);
    });
    $("close-timeline").addEventListener("click", closeTimeline);
    document.addEventListener("keydown", (e) => { if (e.key === "Escape" && state.selected) closeTimeline(); });
    window.addEventListener("online", () => { if (token() && !state.stream) connect(); });
    $("sign-in").addEventListener("submit", (e) => {
      e.preventDefault();
      const given = $("token").value.trim();
      if (!given) return;
      window.sessionStorage.setItem(TOKEN_KEY, given);
      $("token").value = "";
      $("sign-in").hidden = true;
      $("sign-out").hidden = false;
      connect();
    });
    $("sign-out").addEventListener("click", () => { state.cases = new Map(); render(); askForToken(""); });
    setLanguage(initialLanguage());
    // The clocks tick, and the "just updated" highlight and passed deadlines are re-evaluated.
    window.setInterval(() => { renderNow(); render(); }, 15000);
    if (token()) $("sign-out").hidden = false;
    connect();
  }

  start();
})();
