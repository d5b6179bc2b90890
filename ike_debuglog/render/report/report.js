// The sessions table: rows come as JSON and are written with textContent only (the
// log is hostile text); sorting, filtering and pages happen here.  Sections open and
// close with their header; printing opens them all.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var rows = data.rows, sources = data.sources, several = sources.length > 1;
  // Row fields: 0 rank, 1 input, 2 id, 3 session, 4 host, 5 peer, 6 role, 7 IKE,
  // 8 outcome, 9 reason, 10 started, 11 duration, 12 packets, 13 section id, 14 SPIs.
  function byDefault(a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]; }
  function text(i) { return function (a, b) { return a[i] < b[i] ? -1 : a[i] > b[i] ? 1 : 0; }; }
  var columns = [
    { name: "session", cell: 3, wrap: true, compare: function (a, b) { return a[1] - b[1] || a[2] - b[2]; } },
    { name: "host", cell: 4, compare: text(4) },
    { name: "peer", cell: 5, compare: text(5) },
    { name: "role", cell: 6, compare: text(6), wide: true },
    { name: "IKE", cell: 7, compare: text(7), wide: true },
    { name: "outcome", cell: 8, compare: function (a, b) { return a[0] - b[0]; } },
    { name: "reason", cell: 9, wrap: true, compare: text(9) },
    { name: "started", cell: 10, compare: text(10), wide: true },
    { name: "duration", cell: 11, compare: function (a, b) {
      return (a[11] === null ? Infinity : a[11]) - (b[11] === null ? Infinity : b[11]) || 0; }, wide: true },
    { name: "packets", cell: 12, title: "sent/received +retransmitted", compare: function (a, b) {
      return parseInt(a[12], 10) - parseInt(b[12], 10); }, wide: true }
  ];
  if (several) {
    columns.unshift({ name: "file", cell: 1, wrap: true, compare: function (a, b) { return a[1] - b[1]; } });
  }
  var state = { sort: -1, descending: false, page: 0, size: 50, printing: false };
  var table = document.getElementById("table");
  var head = table.tHead.rows[0], body = table.tBodies[0];
  var outcome = document.getElementById("f-outcome"), host = document.getElementById("f-host");
  var search = document.getElementById("f-text"), shown = document.getElementById("shown");
  var view = rows.slice();

  columns.forEach(function (column, index) {
    var th = document.createElement("th");
    th.textContent = column.name;
    th.scope = "col";
    th.tabIndex = 0;
    if (column.title) { th.title = column.title; }
    if (column.wide) { th.className = "wide"; }
    th.addEventListener("click", function () { sortBy(index); });
    th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sortBy(index); } });
    head.appendChild(th);
  });
  var hosts = {};
  rows.forEach(function (row) { hosts[row[4]] = true; });
  Object.keys(hosts).sort().forEach(function (name) {
    var option = document.createElement("option");
    option.value = name;
    option.textContent = name || "(none printed)";
    if (!name) { option.value = "\u0000"; }
    host.appendChild(option);
  });
  if (Object.keys(hosts).length < 2) { host.parentNode.hidden = true; }

  function sortBy(index) {
    state.descending = state.sort === index ? !state.descending : false;
    state.sort = index;
    state.page = 0;
    update();
  }
  function haystack(row) {
    return [row[3], row[4], row[5], row[8], row[9], row[14], several ? sources[row[1]] : ""]
      .join(" ").toLowerCase();
  }
  function update() {
    var want = outcome.value, where = host.value, needle = search.value.trim().toLowerCase();
    view = rows.filter(function (row) {
      return (!want || row[8] === want) &&
        (!where || row[4] === (where === "\u0000" ? "" : where)) &&
        (!needle || haystack(row).indexOf(needle) >= 0);
    });
    var column = columns[state.sort];
    view.sort(function (a, b) {
      var order = column ? column.compare(a, b) : 0;
      return (state.descending ? -order : order) || byDefault(a, b);
    });
    Array.prototype.forEach.call(head.cells, function (th, index) {
      if (index === state.sort) { th.setAttribute("aria-sort", state.descending ? "descending" : "ascending"); }
      else { th.removeAttribute("aria-sort"); }
    });
    draw();
  }
  function draw() {
    var pages = Math.max(1, Math.ceil(view.length / state.size));
    state.page = Math.min(state.page, pages - 1);
    var first = state.printing ? 0 : state.page * state.size;
    var last = state.printing ? Math.min(view.length, 2000) : Math.min(view.length, first + state.size);
    var fragment = document.createDocumentFragment();
    for (var i = first; i < last; i += 1) {
      var row = view[i], tr = document.createElement("tr");
      tr.className = row[8];
      columns.forEach(function (column) {
        var td = document.createElement("td");
        td.className = (column.wide ? "wide" : "") + (column.wrap ? " wrap" : "");
        var value = column.cell === 1 ? sources[row[1]].split(/[\\/]/).pop() : row[column.cell];
        if (column.cell === 1) { td.title = sources[row[1]]; }
        if (column.cell === 11) { value = value === null ? "" : value.toFixed(3) + "s"; }
        if (column.cell === 8) {
          var badge = document.createElement("span");
          badge.className = "badge " + row[8];
          badge.textContent = value;
          td.appendChild(badge);
        } else if (column.cell === 3 && row[13]) {
          var link = document.createElement("a");
          link.href = "#" + row[13];
          link.textContent = value;
          td.appendChild(link);
        } else {
          td.textContent = value;
        }
        tr.appendChild(td);
      });
      fragment.appendChild(tr);
    }
    body.textContent = "";
    body.appendChild(fragment);
    shown.textContent = view.length
      ? "sessions " + (first + 1) + "\u2013" + last + " of " + view.length +
        (view.length < rows.length ? " (filtered from " + rows.length + ")" : "")
      : "no session matches (" + rows.length + " in all)";
    document.getElementById("prev").disabled = state.page === 0;
    document.getElementById("next").disabled = state.page >= pages - 1;
  }
  document.getElementById("prev").addEventListener("click", function () { state.page -= 1; draw(); });
  document.getElementById("next").addEventListener("click", function () { state.page += 1; draw(); });
  [outcome, host].forEach(function (control) {
    control.addEventListener("change", function () { state.page = 0; update(); });
  });
  search.addEventListener("input", function () { state.page = 0; update(); });

  function open(section) {
    section.classList.remove("closed");
    section.querySelector(".toggle").setAttribute("aria-expanded", "true");
  }
  Array.prototype.forEach.call(document.querySelectorAll(".session .toggle"), function (button) {
    button.addEventListener("click", function () {
      var closed = button.closest(".session").classList.toggle("closed");
      button.setAttribute("aria-expanded", closed ? "false" : "true");
    });
  });
  function follow() {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && target.classList.contains("session")) { open(target); }
  }
  window.addEventListener("hashchange", follow);
  window.addEventListener("beforeprint", function () { state.printing = true; draw(); });
  window.addEventListener("afterprint", function () { state.printing = false; draw(); });
  follow();
  update();
}());
