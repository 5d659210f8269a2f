// The overview (/): the plan's targets, where inspections stand per district, establishments not inspected, laptops not seen.
'use strict';
window.FC = window.FC || {};

(function (FC) {
  const h = FC.h;
  const S = (vi, en) => FC.s(vi, en);
  const kStateKeys = ['draft', 'submitted', 'approved', 'returned'];
  const kDevicesShown = 8;  // the laptops seen last: the first few only (People lists them all)

  /// How far a target is, 0–100, from its numbers (`total`, `goal`); null when it has no goal.
  function progressOf(t) {
    if (typeof t.total !== 'number' || typeof t.goal !== 'number' || !t.goal) return null;
    return Math.max(0, Math.min(100, (t.total / t.goal) * 100));
  }

  async function screenDashboard(ctx) {
    let district = ctx.query.get('district') || '';
    const places = await ctx.load('GET', '/api/places').catch(() => ({districts: []}));
    let data = await ctx.load('GET', '/api/dashboard' + (district ? '?district=' + FC.enc(district) : ''));

    const inspectionsHref = (params) => {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
      const text = q.toString();
      return '/inspections' + (text ? '?' + text : '');
    };

    async function choose(value) {
      district = value;
      ctx.setQuery({district});
      data = await ctx.load('GET', '/api/dashboard' + (district ? '?district=' + FC.enc(district) : ''));
      ctx.draw(draw);
      const select = document.getElementById('dashboard-district');
      if (select) select.focus();
    }

    function targets() {
      const rows = data.targets || [];
      if (!rows.length) return FC.empty(S('Chưa có kế hoạch nào với chỉ tiêu.', 'No plan with targets yet.'));
      return h('div', {class: 'table-wrap'}, h('table', {class: 'table table--dense table--targets', id: 'dashboard-targets'},
        h('caption', {class: 'visually-hidden'}, S('Các chỉ tiêu của kế hoạch', 'The plan\'s targets')),
        h('thead', {}, h('tr', {},
          h('th', {scope: 'col', class: 'col-index'}, S('TT', 'No.')),
          h('th', {scope: 'col'}, S('Chỉ tiêu', 'Target')),
          h('th', {scope: 'col', class: 'num'}, S('Kết quả', 'Result')),
          h('th', {scope: 'col', class: 'num'}, S('Mục tiêu', 'Goal')),
          h('th', {scope: 'col', class: 'col-progress'}, S('Tiến độ', 'Progress')))),
        h('tbody', {}, rows.map((t, i) => {
          const percent = progressOf(t);
          return h('tr', {},
            h('td', {class: 'col-index'}, String(i + 1)),
            h('th', {scope: 'row'}, FC.t(t.label)),
            h('td', {class: 'num'}, t.total_text || ''),
            h('td', {class: 'num'}, FC.t(t.goal_text)),
            h('td', {class: 'col-progress'},
              percent === null ? null : h('progress', {max: '100', value: String(percent), 'aria-label': FC.t(t.label)}),
              ' ', t.met ? h('span', {class: 'tag tag--sent'}, '✓ ' + S('Đạt', 'Met'))
                : percent === null ? h('span', {class: 'tag tag--unsent'}, S('Chưa đạt', 'Not met'))
                  : h('span', {class: 'muted'}, FC.count(Math.floor(percent)) + ' %')));
        }))));
    }

    /// Each target's figure per district: a district a row, a target a column named by its number.
    function byDistrict() {
      const rows = data.targets || [];
      const districts = data.districts || [];
      if (!rows.length || districts.length < 2) return null;
      const figures = rows.map((t) => {
        const by = {};
        for (const b of t.by_district || []) by[b.code] = b.figure_text;
        return by;
      });
      return h('details', {class: 'by-district', id: 'dashboard-by-district'},
        h('summary', {}, S('Kết quả từng chỉ tiêu theo huyện', 'Each target\'s result by district')),
        h('div', {class: 'table-wrap'}, h('table', {class: 'table table--dense'},
          h('thead', {}, h('tr', {},
            h('th', {scope: 'col'}, S('Huyện', 'District')),
            rows.map((t, i) => h('th', {scope: 'col', class: 'num', title: FC.t(t.label)},
              S('Chỉ tiêu ', 'Target ') + (i + 1))))),
          h('tbody', {}, districts.map((d) => h('tr', {},
            h('th', {scope: 'row'}, FC.t(d.name)),
            figures.map((by) => h('td', {class: 'num'}, by[d.code] || '—'))))))));
    }

    function states() {
      const rows = data.states || [];
      const total = data.states_total || {};
      const cell = (n, params) => h('td', {class: 'num'}, n ? h('a', {href: inspectionsHref(params)}, FC.count(n)) : h('span', {class: 'muted'}, '0'));
      return h('div', {class: 'table-wrap'}, h('table', {class: 'table table--dense', id: 'dashboard-states'},
        h('caption', {class: 'visually-hidden'}, S('Phiếu kiểm tra theo huyện và trạng thái', 'Inspections by district and state')),
        h('thead', {}, h('tr', {},
          h('th', {scope: 'col'}, S('Huyện', 'District')),
          FC.kStates.map((s) => h('th', {scope: 'col', class: 'num'}, FC.badge(s))))),
        h('tbody', {}, rows.map((r) => h('tr', {'data-district': r.district && r.district.code},
          h('th', {scope: 'row'}, FC.t(r.district && r.district.name)),
          kStateKeys.map((k) => cell(r[k], {district: r.district && r.district.code, state: k}))))),
        rows.length > 1 ? h('tfoot', {}, h('tr', {},
          h('th', {scope: 'row'}, S('Cộng', 'Total')),
          kStateKeys.map((k) => cell(total[k], {district, state: k})))) : null));
    }

    function notInspected() {
      const rows = (data.not_inspected || []).filter((r) => r.count);
      if (!rows.length) return FC.empty(S('Mọi cơ sở đều đã được kiểm tra.', 'Every establishment has been inspected.'));
      return h('ul', {class: 'plain-list', id: 'dashboard-not-inspected'}, rows.map((r) => h('li', {},
        h('a', {href: '/establishments?district=' + FC.enc(r.district.code)}, FC.t(r.district.name)), ': ',
        h('strong', {}, FC.count(r.count)), S(' cơ sở chưa kiểm tra', r.count === 1 ? ' establishment not inspected' : ' establishments not inspected'))));
    }

    function devices() {
      const d = data.devices || {};
      const stale = d.stale || [], never = d.never || [], rows = d.rows || [];
      const names = (list) => list.map((x, i) => [i ? ', ' : null, h('strong', {}, x.name || x.id), ' (' + (x.user || '') + ')']);
      return h('div', {id: 'dashboard-devices'},
        stale.length ? h('div', {class: 'notice notice--warning'},
          h('p', {class: 'notice__title'}, FC.count(stale.length) + S(' máy chưa đồng bộ 7 ngày nay', stale.length === 1 ? ' laptop not seen for 7 days' : ' laptops not seen for 7 days')),
          h('p', {}, names(stale))) : null,
        never.length ? h('p', {}, S('Chưa đồng bộ lần nào: ', 'Never synced: '), names(never)) : null,
        FC.deviceTable(rows.slice(0, kDevicesShown), null, S('Các máy đồng bộ gần nhất', 'The laptops seen last')),
        FC.may('manage_people') && rows.length > kDevicesShown
          ? h('p', {}, h('a', {href: '/people'}, S('Xem mọi máy ở màn hình Người dùng', 'See every laptop on the People screen'))) : null);
    }

    function draw() {
      const select = FC.districtSelect('dashboard-district', places, district);
      select.addEventListener('change', () => choose(select.value));
      const planHref = '/api/plan-report.html' + (district ? '?district=' + FC.enc(district) : '');
      return [
        FC.heading(S('Tổng quan', 'Overview')),
        h('div', {class: 'screen-bar'},
          (places.districts || []).length > 1 ? h('form', {class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault()},
            FC.field('dashboard-district', S('Huyện', 'District'), select)) : null,
          h('p', {class: 'muted screen-bar__note'}, S('Số liệu lúc ', 'Figures as of ') + (data.generated_text || ''))),
        h('section', {class: 'section', 'aria-labelledby': 'dash-plan'},
          h('h2', {id: 'dash-plan'}, data.plan ? S('Kế hoạch: ', 'Plan: ') + FC.t(data.plan.title) : S('Chỉ tiêu', 'Targets')),
          targets(),
          byDistrict(),
          h('p', {}, h('a', {href: planHref, target: '_blank', rel: 'noopener', id: 'dashboard-plan-report'},
            S('Báo cáo kết quả thực hiện kế hoạch (in trên khổ A4)', 'The plan report (prints on A4)')))),
        h('section', {class: 'section', 'aria-labelledby': 'dash-states'},
          h('h2', {id: 'dash-states'}, S('Phiếu kiểm tra theo huyện', 'Inspections by district')), states()),
        h('div', {class: 'columns'},
          h('section', {class: 'section', 'aria-labelledby': 'dash-not'},
            h('h2', {id: 'dash-not'}, S('Cơ sở chưa được kiểm tra', 'Establishments not inspected')), notInspected()),
          h('section', {class: 'section', 'aria-labelledby': 'dash-devices'},
            h('h2', {id: 'dash-devices'}, S('Các máy', 'Laptops')), devices())),
      ];
    }
    ctx.draw(draw);
  }

  FC.addScreen('dashboard', /^\/$/, screenDashboard);
})(window.FC);
