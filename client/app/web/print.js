// The inspection as the paper an inspection team signs: "BIÊN BẢN KIỂM TRA" on A4, always in Vietnamese.
'use strict';
window.FC = window.FC || {};

(function (FC) {
  const h = FC.h;
  const kRoman = ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII', 'XIII', 'XIV', 'XV'];

  /// Renders `form` (the core's Form) into `container` as an official record with a "In / Print"
  /// button (window.print()). `session` is GET /api/session's answer (may be null): it names the
  /// district of the issuing office when the establishment does not. Vietnamese whatever FC.lang is,
  /// except the button: the paper is an official document.
  FC.renderPrint = function renderPrint(container, form, session) {
    session = session || {};
    const questions = [];
    for (const section of form.sections || []) for (const q of section.questions || []) questions.push(q);
    const district = (form.establishment && form.establishment.district_name) || session.district_name || '';
    const visit = questions.find((q) => (q.type === 'date_time' || q.type === 'datetime') && q.input);
    const draft = !form.standing || ['draft', 'returned'].includes(form.standing.code);

    const button = h('button', {class: 'fc-print__button', type: 'button', id: 'print'}, FC.s('In', 'Print'));
    button.addEventListener('click', () => window.print());

    // The whole paper is the one cell of a table whose head Chromium repeats at the top of every
    // printed page: the record's number on each sheet (there are no @page margin boxes to hold it).
    const paper = h('article', {class: 'fc-print', lang: 'vi', 'aria-label': 'Biên bản kiểm tra'},
      h('table', {class: 'fc-print__frame', role: 'presentation'},
        h('thead', {class: 'fc-print__running'}, h('tr', {}, h('td', {}, running(form)))),
        h('tbody', {}, h('tr', {}, h('td', {class: 'fc-print__frame-body'}, content(form, district, visit, draft))))));

    FC.replace(container,
      h('div', {class: 'fc-print-screen'},
        h('div', {class: 'fc-print__toolbar fc-no-print'}, button,
          h('p', {class: 'fc-print__tip'}, FC.s('Biên bản in trên khổ A4, bằng tiếng Việt.',
                                                'The record prints on A4, in Vietnamese.'))),
        paper));
    return paper;
  };

  /// The line at the top of every printed page: the record's number and the establishment.
  function running(form) {
    const e = form.establishment;
    return h('div', {class: 'fc-print__running-text'},
      h('span', {}, 'Biên bản kiểm tra số: ', h('strong', {}, form.number || '……')),
      e ? h('span', {}, [e.code, e.name].filter(Boolean).join(' ')) : null);
  }

  function content(form, district, visit, draft) {
    return [
      header(form, district, visit),
      draft ? h('p', {class: 'fc-print__draft'}, form.standing && form.standing.code === 'returned'
        ? 'BẢN NHÁP — bị trả lại để sửa, không phải biên bản chính thức'
        : 'BẢN NHÁP — chưa hoàn tất, không phải biên bản chính thức') : null,
      h('h1', {class: 'fc-print__title'}, 'BIÊN BẢN KIỂM TRA'),
      form.title ? h('p', {class: 'fc-print__subtitle'}, form.title.vi || '') : null,
      establishment(form, district, visit),
      (form.sections || []).filter((s) => (s.questions || []).length).map((section, i) => sectionBlock(section, i)),
      checks(form),
      // The closing words and the signatures stay on one page: nobody signs a page of blanks.
      h('div', {class: 'fc-print__end'},
        h('p', {class: 'fc-print__closing'},
          'Biên bản được lập thành 02 bản có giá trị như nhau, cơ sở giữ 01 bản, đoàn kiểm tra giữ 01 bản. ' +
          'Các bên đã đọc lại biên bản, nhất trí với nội dung và cùng ký tên dưới đây.'),
        signatures())];
  }

  /// The office (top left) and the national motto (top right), then the place and date.
  function header(form, district, visit) {
    // The seed names a district by its name alone ("Hòa An": a huyện) or with its kind ("Thành phố Cao Bằng").
    const kind = /^(Huyện|Thành phố|Thị xã|Quận)\s+/i;
    const office = district ? 'UBND ' + (kind.test(district) ? district : 'Huyện ' + district).toLocaleUpperCase('vi') : 'ỦY BAN NHÂN DÂN';
    const place = district.replace(kind, '') || '…………';
    return h('header', {class: 'fc-print__header'},
      h('div', {class: 'fc-print__office'},
        h('p', {class: 'fc-print__office-name'}, office),
        h('p', {class: 'fc-print__office-team'}, 'ĐOÀN KIỂM TRA'),
        h('p', {class: 'fc-print__number'}, 'Số: ' + (form.number || '……'))),
      h('div', {class: 'fc-print__motto'},
        h('p', {class: 'fc-print__nation'}, 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM'),
        h('p', {class: 'fc-print__slogan'}, 'Độc lập - Tự do - Hạnh phúc'),
        h('p', {class: 'fc-print__date'}, `${place}, ${dateWords(visit ? visit.input : null)}`)));
  }

  /// "ngày 03 tháng 5 năm 2019" (day and the months January, February with two digits, as
  /// administrative documents write them); blanks to fill by hand when there is no date.
  function dateWords(iso) {
    const m = iso && /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
    if (!m) return 'ngày …… tháng …… năm ……';
    const month = Number(m[2]);
    return `ngày ${m[3]} tháng ${month <= 2 ? m[2] : String(month)} năm ${m[1]}`;
  }

  function establishment(form, district, visit) {
    const e = form.establishment;
    const rows = [];
    if (e) {
      rows.push(['Tên cơ sở', e.name || '']);
      rows.push(['Mã cơ sở', e.code || '']);
      // The owner and the address, when the Form carries them (an older core does not).
      const owner = e.owner || e.owner_name;
      if (owner) rows.push(['Chủ cơ sở', owner]);
      if (e.address) rows.push(['Địa chỉ', e.address]);
    }
    if (district) rows.push(['Địa bàn', district]);
    if (visit) rows.push(['Thời gian kiểm tra', FC.answerText ? FC.answerText(visit, 'vi') : visit.input]);
    rows.push(['Số biên bản', form.number || '']);
    return h('dl', {class: 'fc-print__facts'}, rows.map(([label, value]) =>
      h('div', {class: 'fc-print__fact'}, h('dt', {}, label + ':'), h('dd', {}, value))));
  }

  function answerOf(q) {
    // Numbers as the core shows them (2.000.000 đ; 18,5 m²).
    if ((q.type === 'integer' || q.type === 'decimal') && q.shown) return q.shown;
    if (FC.answerText) return FC.answerText(q, 'vi');
    return q.shown || q.input || '';
  }

  function sectionBlock(section, index) {
    const rows = (section.questions || []).map((q, i) => {
      let answer;
      if ((q.type === 'photo' || q.type === 'signature') && q.photo && q.photo.local === false) {
        // Not on this laptop: a sentence, not a broken image.
        answer = h('span', {class: 'fc-print__remote'}, '(Ảnh có trên máy chủ, chưa tải về máy này)');
      } else if ((q.type === 'photo' || q.type === 'signature') && q.photo) {
        answer = h('figure', {class: 'fc-print__photo'},
          h('img', {src: q.photo.url, alt: q.label.vi || ''}),
          h('figcaption', {}, q.photo.name || ''));
      } else {
        const text = answerOf(q);
        answer = text ? text : h('span', {class: 'fc-print__blank'}, '(chưa trả lời)');
      }
      return h('tr', {},
        h('th', {scope: 'row', class: 'fc-print__question'}, `${i + 1}. ${q.label.vi || ''}`),
        h('td', {class: 'fc-print__answer'}, answer));
    });
    return h('section', {class: 'fc-print__section'},
      h('h2', {class: 'fc-print__section-title'}, `${kRoman[index] || index + 1}. ${(section.label && section.label.vi) || ''}`),
      h('table', {class: 'fc-print__table'},
        h('colgroup', {}, h('col', {class: 'fc-print__col-question'}), h('col', {class: 'fc-print__col-answer'})),
        h('tbody', {}, rows)));
  }

  /// The warnings the team confirmed, and by whom; errors still standing, if any.
  function checks(form) {
    const constraints = form.constraints || [];
    const confirmed = constraints.filter((c) => c.level === 'warning' && c.confirmed);
    const open = constraints.filter((c) => !(c.level === 'warning' && c.confirmed));
    return h('section', {class: 'fc-print__section fc-print__checks'},
      h('h2', {class: 'fc-print__section-title'}, 'Các điểm kiểm tra đã xác nhận'),
      confirmed.length
        ? h('ul', {}, confirmed.map((c) => h('li', {},
          'Đã xác nhận: ' + shortMessage(c), c.confirmed_by ? ` (bởi ${c.confirmed_by})` : '')))
        : h('p', {}, 'Không có cảnh báo nào cần xác nhận.'),
      open.length ? h('div', {class: 'fc-print__open'},
        h('p', {}, h('strong', {}, 'Còn tồn tại:')),
        h('ul', {}, open.map((c) => h('li', {}, (c.level === 'warning' ? '[cảnh báo] ' : '[lỗi] ') + ((c.message && c.message.vi) || c.id)))))
        : null);
  }

  /// A check's message without what it tells the inspector to do ("…; hãy xem lại ngày, hoặc xác
  /// nhận…"): on paper, only what was found.
  function shortMessage(c) {
    const text = (c.message && c.message.vi) || c.id || '';
    const cut = text.search(/[;:.]\s*(hãy|xin|vui lòng)\b/i);
    return cut > 0 ? text.slice(0, cut) : text;
  }

  function signatures() {
    const block = (title) => h('div', {class: 'fc-print__signer'},
      h('p', {class: 'fc-print__signer-title'}, title),
      h('p', {class: 'fc-print__signer-note'}, '(Ký, ghi rõ họ tên)'),
      h('div', {class: 'fc-print__signer-space'}));
    return h('div', {class: 'fc-print__signatures'},
      block('ĐẠI DIỆN CƠ SỞ'),
      block('TRƯỞNG ĐOÀN KIỂM TRA'),
      block('NGƯỜI LẬP BIÊN BẢN'));
  }
})(window.FC);
