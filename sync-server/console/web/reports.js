// Periodic reports (/reports): every commune or district of the scope for a period, the missing ones first.
'use strict';
window.FC = window.FC || {};

(function (FC) {
  const h = FC.h;
  const S = (vi, en) => FC.s(vi, en);

  async function screenReports(ctx) {
    const f = {period: ctx.query.get('period') || '', kind: ctx.query.get('kind') || '', district: ctx.query.get('district') || ''};
    const places = await FC.places().catch(() => ({districts: []}));
    const path = () => {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
      const text = q.toString();
      return '/api/reports' + (text ? '?' + text : '');
    };
    let data = await ctx.load('GET', path());

    async function reload(focusId) {
      ctx.setQuery(f);
      data = await ctx.load('GET', path());
      ctx.draw(draw);
      const el = document.getElementById(focusId);
      if (el) el.focus();
    }

    /// "2019-Q3" as people say it: "Quý 3/2019", "Q3 2019"; other periods as they are.
    const periodText = (p) => {
      const m = /^(\d{4})-Q([1-4])$/.exec(p || '');
      if (m) return S('Quý ' + m[2] + '/' + m[1], 'Q' + m[2] + ' ' + m[1]);
      const month = /^(\d{4})-(\d{2})$/.exec(p || '');
      if (month) return S('Tháng ' + Number(month[2]) + '/' + month[1], month[2] + '/' + month[1]);
      return p || '';
    };

    function draw() {
      // Missing ones first (the server sends them so; kept so whatever the order it sends).
      const rows = (data.rows || []).map((r, i) => [r, i]).sort((a, b) => (!!a[0].record - !!b[0].record) || (a[1] - b[1])).map((x) => x[0]);
      const period = FC.select('r-period', (data.periods || []).map((p) => ({value: p, text: periodText(p)})), data.period || f.period);
      const kind = FC.select('r-kind', [{value: 'commune', text: S('Báo cáo của xã', 'Commune reports')},
        {value: 'district', text: S('Báo cáo của huyện', 'District reports')}], f.kind || data.kind || (rows[0] && rows[0].kind) || 'commune');
      const district = FC.districtSelect('r-district', places, f.district);
      period.addEventListener('change', () => { f.period = period.value; reload('r-period').catch(FC.showError); });
      kind.addEventListener('change', () => { f.kind = kind.value; reload('r-kind').catch(FC.showError); });
      district.addEventListener('change', () => { f.district = district.value; reload('r-district').catch(FC.showError); });
      return [
        FC.heading(S('Báo cáo định kỳ', 'Periodic reports')),
        h('form', {class: 'filters', id: 'reports-filters', role: 'search', onsubmit: (e) => e.preventDefault()},
          FC.field('r-period', S('Kỳ báo cáo', 'Period'), period),
          FC.field('r-kind', S('Loại', 'Kind'), kind),
          (places.districts || []).length > 1 ? FC.field('r-district', S('Huyện', 'District'), district) : null),
        h('p', {class: 'count', role: 'status'},
          h('strong', {id: 'reports-missing', 'data-count': String(data.missing || 0)}, FC.count(data.missing || 0)),
          S(' chưa nộp', ' missing'), ' · ', FC.count(data.filed || 0), S(' đã nộp', ' filed'), ' · ', periodText(data.period)),
        rows.length ? h('div', {class: 'table-wrap'}, h('table', {class: 'table table--dense', id: 'reports-table', 'data-keys': ''},
          h('caption', {class: 'visually-hidden'}, S('Báo cáo theo nơi, nơi chưa nộp trước', 'Reports by place, missing ones first')),
          h('thead', {}, h('tr', {},
            h('th', {scope: 'col'}, S('Nơi báo cáo', 'Reporting place')),
            h('th', {scope: 'col'}, S('Huyện', 'District')),
            h('th', {scope: 'col'}, S('Tình trạng', 'State')),
            h('th', {scope: 'col'}, S('Báo cáo', 'Report')))),
          h('tbody', {}, rows.map((r) => h('tr', {'data-code': r.subject && r.subject.code, 'data-filed': r.record ? '1' : '0',
            class: r.record ? null : 'is-missing'},
            h('th', {scope: 'row'}, FC.t(r.subject && r.subject.name)),
            h('td', {}, FC.t(r.district && r.district.name)),
            h('td', {}, r.state ? FC.badge(r.state) : h('span', {class: 'tag tag--refused'}, S('Chưa nộp', 'Missing'))),
            h('td', {}, r.record ? h('a', {href: '/inspections/' + FC.enc(r.record.number || r.record.id), class: 'row-link'}, r.record.number || r.record.id)
              : h('span', {class: 'muted'}, '—')))))))
          : FC.empty(S('Không có nơi nào phải báo cáo trong kỳ này.', 'No place reports for this period.'), 'reports-empty'),
      ];
    }
    ctx.draw(draw);
  }

  FC.addScreen('reports', /^\/reports$/, screenReports);
})(window.FC);
