// Vietnamese first, English on a toggle; the choice is kept in localStorage.
"use strict";
(function () {
  const STRINGS = {
    vi: {
      app_title: "Tổng đài 1900 1075 – Trợ lý tư vấn",
      dashboard_title: "Tổng đài 1900 1075 – Bảng điều khiển giám sát",
      username: "Tên đăng nhập", password: "Mật khẩu", sign_in: "Đăng nhập", sign_out: "Đăng xuất",
      login_failed: "Sai tên đăng nhập hoặc mật khẩu.",
      login_throttled: "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút hoặc báo trưởng ca.",
      error_generic: "Có lỗi, vui lòng thử lại.",
      lang_other: "English", dashboard: "Bảng điều khiển", console: "Màn hình tư vấn",
      call: "Cuộc gọi", caller_phone: "Số điện thoại người gọi", start_call: "Bắt đầu cuộc gọi",
      end_call: "Kết thúc cuộc gọi", no_call: "Chưa có cuộc gọi.", call_running: "Đang gọi",
      utterance: "Người gọi nói", utterance_hint: "Gõ hoặc dán lời người gọi rồi nhấn Enter",
      send: "Gửi", transcript: "Diễn biến cuộc gọi", intent: "Ý định", entities: "Thực thể",
      suggestions: "Gợi ý trả lời", no_suggestions: "Chưa có gợi ý.", confidence: "Độ tin cậy", uncertain: "Chưa chắc",
      source: "Nguồn", copy: "Sao chép", copied: "Đã sao chép", used: "Đã dùng", helpful: "Hữu ích",
      wrong: "Sai", thanks: "Đã ghi nhận", declined: "Không có câu trả lời chắc chắn – hỏi thêm người gọi.",
      next_step: "Bước tiếp theo", step_file_report: "Lập phản ánh cho người gọi",
      step_read_answer: "Đọc câu trả lời gợi ý đầu tiên", step_clarify: "Hỏi thêm để làm rõ",
      step_check_status: "Tra cứu phản ánh", prefill: "Điền sẵn vào phiếu",
      manual_search: "Tra cứu thủ công", search: "Tìm",
      report: "Phản ánh hiện trường", category: "Loại sự cố", place: "Địa điểm", description: "Mô tả",
      phone: "Số điện thoại", file_report: "Gửi phản ánh", report_filed: "Mã phản ánh:",
      report_read_back: "Đọc lại mã này cho người gọi.", need_call: "Hãy bắt đầu cuộc gọi trước.",
      summary: "Tóm tắt cuộc gọi", topics: "Chủ đề", entries_used: "Nội dung đã dùng",
      report_codes: "Mã phản ánh", duration: "Thời lượng", seconds: "giây", utterances: "Số lượt nói",
      from_feed: "từ tổng đài tự động",
      questions_per_day: "Câu hỏi mỗi ngày", answered: "Trả lời được", declined_short: "Từ chối",
      answered_by_channel: "Trả lời được / từ chối theo kênh", satisfaction: "Mức hài lòng 👍/👎 theo kênh",
      thumbs_up: "👍 Hữu ích", thumbs_down: "👎 Không hữu ích", suggestion_usefulness: "Gợi ý trên tổng đài",
      reports_by_category: "Phản ánh theo loại và trạng thái", median_resolve: "Thời gian xử lý trung vị",
      hours: "giờ", resolved_count: "phản ánh đã xử lý", calls_count: "cuộc gọi", no_data: "chưa có",
      most_wrong: "Nội dung bị đánh dấu sai nhiều nhất",
      status_received: "Đã tiếp nhận", status_in_progress: "Đang xử lý", status_resolved: "Đã xử lý xong",
      status_rejected: "Không xử lý",
    },
    en: {
      app_title: "Hotline 1900 1075 – Agent assist",
      dashboard_title: "Hotline 1900 1075 – Supervisor dashboard",
      username: "User name", password: "Password", sign_in: "Sign in", sign_out: "Sign out",
      login_failed: "Wrong user name or password.",
      login_throttled: "Too many failed sign-ins. Please try again in 15 minutes or ask your supervisor.",
      error_generic: "Something went wrong, please retry.",
      lang_other: "Tiếng Việt", dashboard: "Dashboard", console: "Console",
      call: "Call", caller_phone: "Caller's phone", start_call: "Start call",
      end_call: "End call", no_call: "No call yet.", call_running: "On call",
      utterance: "Caller says", utterance_hint: "Type or paste what the caller says, then Enter",
      send: "Send", transcript: "Call transcript", intent: "Intent", entities: "Entities",
      suggestions: "Suggested answers", no_suggestions: "No suggestions yet.", confidence: "Confidence", uncertain: "Uncertain",
      source: "Source", copy: "Copy", copied: "Copied", used: "Used", helpful: "Helpful",
      wrong: "Wrong", thanks: "Noted", declined: "No reliable answer – ask the caller for more.",
      next_step: "Next step", step_file_report: "File a report for the caller",
      step_read_answer: "Read out the first suggestion", step_clarify: "Ask a clarifying question",
      step_check_status: "Look up a report", prefill: "Fill in the report form",
      manual_search: "Search by hand", search: "Search",
      report: "Field report", category: "Category", place: "Place", description: "Description",
      phone: "Phone", file_report: "File report", report_filed: "Tracking code:",
      report_read_back: "Read this code back to the caller.", need_call: "Start a call first.",
      summary: "Call summary", topics: "Topics", entries_used: "Entries used",
      report_codes: "Report codes", duration: "Duration", seconds: "s", utterances: "Utterances",
      from_feed: "from the transcript feed",
      questions_per_day: "Questions per day", answered: "Answered", declined_short: "Declined",
      answered_by_channel: "Answered / declined by channel", satisfaction: "👍/👎 satisfaction by channel",
      thumbs_up: "👍 Helpful", thumbs_down: "👎 Not helpful", suggestion_usefulness: "Hotline suggestions",
      reports_by_category: "Reports by category and status", median_resolve: "Median time to resolve",
      hours: "h", resolved_count: "reports resolved", calls_count: "calls", no_data: "none yet",
      most_wrong: "Entries most often marked wrong",
      status_received: "Received", status_in_progress: "In progress", status_resolved: "Resolved",
      status_rejected: "Rejected",
    },
  };
  const listeners = [];
  let lang = localStorage.getItem("hotline-lang") === "en" ? "en" : "vi";

  function t(key) {
    return (STRINGS[lang] && STRINGS[lang][key]) || STRINGS.vi[key] || key;
  }

  function apply() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
      el.placeholder = t(el.dataset.i18nPlaceholder);
    });
    const toggle = document.getElementById("lang-toggle");
    if (toggle) toggle.textContent = t("lang_other");
    listeners.forEach((listener) => listener(lang));
  }

  function toggle() {
    lang = lang === "vi" ? "en" : "vi";
    localStorage.setItem("hotline-lang", lang);
    apply();
  }

  window.HotlineI18n = {t, apply, toggle, onChange: (f) => listeners.push(f), get lang() { return lang; }};
})();
