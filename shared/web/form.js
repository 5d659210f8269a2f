// The inspection form: renders the core's Form, saves each answer the moment it is given, and shows what the core says of it.
'use strict';
window.FC = window.FC || {};

(function (FC) {
  const h = FC.h;

  /// The state of one container's form, kept across re-renders (and across FC.renderForm calls
  /// for the same record): the Form last received, the answers typed but refused (422), the
  /// answers being saved, and whether the error summary of a finalize attempt is showing.
  const states = new WeakMap();

  /// Renders `form` (the core's Form, see client/app/API.md) into `container`.
  /// options: {ref: the record's number or id for the API (default form.number || form.id),
  ///           onForm(form): called after every successful save, confirm and finalize,
  ///           resume: scroll to (and focus) the first unanswered question after rendering}.
  /// Every answer is POSTed as typed text; the page never decides what is valid or what applies.
  FC.renderForm = function renderForm(container, form, options) {
    options = options || {};
    let state = states.get(container);
    const ref = options.ref || form.number || form.id;
    if (!state || state.form.id !== form.id || !container.contains(state.root)) {
      if (state) state.dispose();
      state = newState(container, form, options, ref);
      states.set(container, state);
    } else {
      state.form = form;
      state.options = options;
      state.ref = ref;
    }
    draw(state);
    if (options.resume) resume(state);
    return state.root;
  };

  function newState(container, form, options, ref) {
    const state = {
      container, form, options, ref,
      errors: {},       // question id -> {error: {vi,en}, text}: refused, nothing saved
      pending: {},      // question id -> text being saved
      queue: Promise.resolve(),
      saving: 0,
      savedAt: null,    // Date of the last successful save
      failure: null,    // {vi,en} of the last save that did not reach the core
      summary: false,   // the finalize error summary is showing
      finalizeFailure: null,  // {status, error} of the last finalize refused
      photoNodes: {},   // question id -> {key, node}: kept across re-renders (camera, signature ink)
      root: h('div', {class: 'fc-form'}),
      status: h('div', {class: 'fc-form__status', role: 'status', 'aria-live': 'polite'}),
      body: h('div', {class: 'fc-form__body'}),
    };
    FC.append(state.root, [state.status, state.body]);
    FC.replace(container, state.root);
    state.onLang = () => {
      if (!state.root.isConnected) return;
      draw(state);
    };
    document.addEventListener('fc-lang', state.onLang);
    state.dispose = () => {
      document.removeEventListener('fc-lang', state.onLang);
      for (const entry of Object.values(state.photoNodes)) disposeNode(entry.node);
      state.photoNodes = {};
    };
    return state;
  }

  function disposeNode(node) {
    if (node && typeof node.fcDispose === 'function') node.fcDispose();
  }

  // ---- drawing ----

  /// Redraws the form from state.form, keeping what the person is in the middle of: the focused
  /// input (by question id), text typed but not yet committed, and the scroll position of the
  /// question being worked on.
  function draw(state) {
    const active = document.activeElement;
    const activeId = active && state.body.contains(active) ? active.id : null;
    const anchor = active && state.body.contains(active) ? active.closest('[data-question]') : null;
    const anchorId = anchor ? anchor.dataset.question : null;
    const anchorTop = anchor ? anchor.getBoundingClientRect().top : null;
    let selection = null;
    if (activeId && typeof active.selectionStart === 'number' && isTextual(active)) {
      try { selection = [active.selectionStart, active.selectionEnd]; } catch (e) { selection = null; }
    }
    // Text typed in a field and not yet committed (no change event yet) survives the redraw.
    const typed = {};
    for (const input of state.body.querySelectorAll('input[data-rendered], textarea[data-rendered]')) {
      if (input.value !== input.dataset.rendered) typed[input.id] = input.value;
    }

    drawStatus(state);
    const next = buildBody(state);
    for (const [id, value] of Object.entries(typed)) {
      const input = next.querySelector('#' + CSS.escape(id));
      if (input && isTextual(input)) input.value = value;
    }
    FC.replace(state.body, next);

    if (activeId) {
      const again = document.getElementById(activeId);
      if (again && again !== document.activeElement) {
        again.focus({preventScroll: true});
        if (selection && isTextual(again)) {
          try { again.setSelectionRange(selection[0], selection[1]); } catch (e) { /* not a text field */ }
        }
      }
    }
    if (anchorId !== null && anchorTop !== null) {
      const again = document.getElementById('q-' + anchorId);
      if (again) {
        const shift = again.getBoundingClientRect().top - anchorTop;
        if (Math.abs(shift) >= 1) window.scrollBy(0, shift);
      }
    }
  }

  function isTextual(el) {
    return el.tagName === 'TEXTAREA' || (el.tagName === 'INPUT' && ['text', 'search', ''].includes(el.type));
  }

  function drawStatus(state) {
    const form = state.form;
    let text;
    let kind = '';
    if (state.saving > 0) {
      text = FC.s('Đang lưu…', 'Saving…');
      kind = 'saving';
    } else if (state.failure) {
      text = FC.s('Chưa lưu: ', 'Not saved: ') + FC.t(state.failure);
      kind = 'failed';
    } else if (Object.keys(state.errors).length > 0) {
      text = FC.s('Có câu trả lời chưa lưu được: xem thông báo màu đỏ', 'An answer could not be saved: see the message in red');
      kind = 'failed';
    } else if (state.savedAt) {
      text = FC.s('Đã lưu lúc ', 'Saved at ') + timeText(state.savedAt);
      kind = 'saved';
    } else if (form.editable) {
      text = FC.s('Mỗi câu trả lời được lưu ngay khi nhập', 'Each answer is saved as soon as it is given');
    } else {
      text = '';
    }
    const progress = form.applicable
      ? FC.s(`Đã trả lời ${form.answered}/${form.applicable} câu`, `${form.answered} of ${form.applicable} answered`)
      : '';
    state.status.className = 'fc-form__status' + (kind ? ' fc-form__status--' + kind : '');
    FC.replace(state.status,
      h('span', {class: 'fc-form__saved'}, text),
      progress ? h('span', {class: 'fc-form__progress'}, progress) : null);
  }

  function timeText(date) {
    const two = (n) => String(n).padStart(2, '0');
    return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  }

  function buildBody(state) {
    const form = state.form;
    const shownIds = new Set();
    for (const section of form.sections || []) for (const q of section.questions || []) shownIds.add(q.id);

    const frag = h('div', {class: 'fc-form__content'});
    if (state.summary) {
      const summary = buildSummary(state, shownIds);
      if (summary) frag.append(summary);
    }
    if (form.return_comment) {
      frag.append(h('div', {class: 'fc-notice fc-notice--returned', role: 'note'},
        h('strong', {class: 'fc-notice__title'}, FC.s('Bị trả lại để sửa', 'Returned to be corrected')),
        h('p', {class: 'fc-notice__text'}, form.return_comment)));
    }

    // Checks across answers that concern no question shown here.
    const loose = (form.constraints || []).filter((c) => !(c.questions || []).some((id) => shownIds.has(id)));
    if (loose.length) {
      frag.append(h('div', {class: 'fc-form__checks', id: 'form-checks'},
        h('h2', {class: 'fc-form__checks-title'}, FC.s('Kiểm tra chung', 'Checks across the form')),
        loose.map((c) => buildCheck(state, {constraint: c.id, level: c.level, message: c.message,
                                              confirmed: c.confirmed, confirmed_by: c.confirmed_by}))));
    }

    for (const [index, section] of (form.sections || []).entries()) {
      const questions = section.questions || [];
      if (!questions.length) continue;
      const headingId = `section-${index}`;
      frag.append(h('section', {class: 'fc-section', 'aria-labelledby': headingId},
        h('h2', {class: 'fc-section__title', id: headingId}, FC.t(section.label)),
        questions.map((q) => buildQuestion(state, q))));
    }

    // A supervisor may correct a finalized record (editable) but has nothing to finalize.
    const finalizable = !['finalized', 'submitted', 'approved'].includes(form.standing && form.standing.code);
    if (form.editable && finalizable) frag.append(buildFinalize(state));
    return frag;
  }

  // ---- one question ----

  /// What the field shows: the text being saved, else the text refused, else the core's input.
  function shownInput(state, q) {
    if (Object.prototype.hasOwnProperty.call(state.pending, q.id)) return state.pending[q.id];
    if (state.errors[q.id]) return state.errors[q.id].text;
    return q.input || '';
  }

  function isAnswered(q) {
    return (q.input || '') !== '' || !!q.photo;
  }

  /// The message beside a question without the “Label”: the core puts in front of it.
  function besideText(q, message) {
    let text = FC.t(message);
    const label = FC.t(q.label);
    for (const prefix of [`“${label}”: `, `"${label}": `]) {
      if (text.startsWith(prefix)) {
        text = text.slice(prefix.length);
        text = text.charAt(0).toLocaleUpperCase(FC.lang) + text.slice(1);
        break;
      }
    }
    return text;
  }

  /// The error shown beside a question: a refused answer (422) first, then the core's issue with
  /// the stored answer. "Not answered" issues wait for a finalize attempt, as GOV.UK does.
  function errorFor(state, q) {
    if (state.errors[q.id]) return state.errors[q.id].error;
    if (q.issue && (isAnswered(q) || state.summary)) return q.issue;
    return null;
  }

  function buildQuestion(state, q) {
    const editable = !!state.form.editable;
    const error = errorFor(state, q);
    const wrapper = h('div', {
      class: 'fc-q' + (error ? ' fc-q--error' : ''),
      id: `q-${q.id}`,
      dataset: {question: q.id, type: q.type},
    });
    const hintId = q.hint || hintOfType(q) ? `hint-${q.id}` : null;
    const msgId = error ? `msg-${q.id}` : null;
    const describedBy = [hintId, msgId].filter(Boolean).join(' ') || null;
    const msg = error ? h('p', {class: 'fc-error-message', id: msgId},
      h('span', {class: 'fc-visually-hidden'}, FC.s('Lỗi: ', 'Error: ')), besideText(q, error)) : null;

    if (!editable) {
      wrapper.append(buildReadOnly(state, q, msg));
    } else if (q.type === 'photo' || q.type === 'signature') {
      wrapper.append(photoNode(state, q, msg));
    } else if (['yes_no', 'single_choice', 'multiple_choice'].includes(q.type)) {
      wrapper.append(buildChoices(state, q, hintId, msg, describedBy));
    } else {
      wrapper.append(labelOf(q, `input-${q.id}`), hintNode(q, hintId), msg, buildInput(state, q, describedBy));
    }
    const checks = (q.messages || []).map((m) => buildCheck(state, m));
    if (checks.length) wrapper.append(h('div', {class: 'fc-q__checks'}, checks));
    return wrapper;
  }

  function labelText(q) {
    return [FC.t(q.label), q.required ? null : h('span', {class: 'fc-optional'}, FC.s(' (không bắt buộc)', ' (optional)'))];
  }

  function labelOf(q, forId) {
    return h('label', {class: 'fc-label', for: forId}, labelText(q));
  }

  /// A hint the page adds where the core gives none but the format needs saying.
  function hintOfType(q) {
    if (q.type === 'gps') return {vi: 'Vĩ độ, kinh độ — ví dụ: 22.66570, 106.25700', en: 'Latitude, longitude — for example: 22.66570, 106.25700'};
    if (q.type === 'multiple_choice') return {vi: 'Chọn tất cả các mục đúng', en: 'Select all that apply'};
    return null;
  }

  function hintNode(q, hintId) {
    if (!hintId) return null;
    const extra = hintOfType(q);
    return h('div', {class: 'fc-hint', id: hintId},
      q.hint ? FC.t(q.hint) : null,
      q.hint && extra ? '. ' : null,
      extra ? FC.t(extra) : null);
  }

  function buildChoices(state, q, hintId, msg, describedBy) {
    const multiple = q.type === 'multiple_choice';
    const choices = q.type === 'yes_no' && !(q.choices && q.choices.length)
      ? [{code: 'yes', label: {vi: 'Có', en: 'Yes'}}, {code: 'no', label: {vi: 'Không', en: 'No'}}]
      : (q.choices || []);
    const typed = shownInput(state, q).split(',').map((s) => s.trim()).filter(Boolean);
    const isSelected = (code) => typed.some((t) => t === code ||
      (q.type === 'yes_no' && yesNo(t) !== null && yesNo(t) === yesNo(code)));
    const group = h('div', {class: 'fc-choices' + (q.type === 'yes_no' ? ' fc-choices--inline' : '')});
    choices.forEach((choice, i) => {
      const id = i === 0 ? `input-${q.id}` : `input-${q.id}--${choice.code}`;
      const input = h('input', {
        class: 'fc-choice__input', id, type: multiple ? 'checkbox' : 'radio',
        name: `answer-${q.id}`, value: choice.code, checked: isSelected(choice.code),
      });
      input.addEventListener('change', () => {
        const text = multiple
          ? Array.from(group.querySelectorAll('input:checked')).map((el) => el.value).join(',')
          : input.value;
        commit(state, q, text);
      });
      group.append(h('div', {class: 'fc-choice'}, input,
        h('label', {class: 'fc-choice__label', for: id}, FC.t(choice.label))));
    });
    return h('fieldset', {class: 'fc-fieldset', 'aria-describedby': describedBy},
      h('legend', {class: 'fc-label fc-legend'}, labelText(q)),
      hintNode(q, hintId), msg, group);
  }

  /// Yes or no as the core reads it (parseYesNo), so a stored "true" selects "Có".
  function yesNo(text) {
    const folded = String(text).normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/gi, 'd').trim().toLowerCase();
    if (['co', 'c', 'yes', 'y', '1', 'true', 'dung', 'x'].includes(folded)) return true;
    if (['khong', 'k', 'ko', 'no', 'n', '0', 'false', 'sai'].includes(folded)) return false;
    return null;
  }

  function buildInput(state, q, describedBy) {
    const id = `input-${q.id}`;
    const value = shownInput(state, q);
    const common = {id, name: `answer-${q.id}`, 'aria-describedby': describedBy,
                    'aria-invalid': state.errors[q.id] ? 'true' : null};
    let input;
    switch (q.type) {
      case 'integer':
      case 'decimal':
        input = h('input', Object.assign({class: 'fc-input fc-input--number', type: 'text',
          inputmode: q.type === 'integer' ? 'numeric' : 'decimal', autocomplete: 'off', spellcheck: 'false'}, common));
        break;
      case 'date':
        input = h('input', Object.assign({class: 'fc-input fc-input--date', type: 'date'}, common));
        break;
      case 'date_time':
      case 'datetime':
        input = h('input', Object.assign({class: 'fc-input fc-input--date', type: 'datetime-local'}, common));
        break;
      case 'gps':
        input = h('input', Object.assign({class: 'fc-input fc-input--gps', type: 'text', inputmode: 'decimal',
          autocomplete: 'off', spellcheck: 'false'}, common));
        break;
      default:
        if (q.max_length && q.max_length > 200) {
          input = h('textarea', Object.assign({class: 'fc-textarea', rows: 4}, common));
        } else {
          input = h('input', Object.assign({class: 'fc-input', type: 'text', autocomplete: 'off'}, common));
        }
    }
    input.value = value;
    input.dataset.rendered = value;
    // Saved when the answer is given (change, or leaving the field), not on every keystroke.
    const save = () => {
      // A date typed halfway reads as "": that is not the person clearing the answer.
      if (!input.isConnected || (input.validity && input.validity.badInput)) return;
      commit(state, q, input.value);
    };
    input.addEventListener('change', save);
    input.addEventListener('blur', save);
    if (input.tagName === 'INPUT' && input.type === 'text') {
      input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); save(); } });
    }

    let field = input;
    if (q.unit) {
      const unitId = `unit-${q.id}`;
      input.setAttribute('aria-describedby', [describedBy, unitId].filter(Boolean).join(' '));
      field = h('div', {class: 'fc-input-wrapper'}, input, h('span', {class: 'fc-input-suffix', id: unitId}, q.unit));
    }
    if (q.type === 'gps') field = h('div', {class: 'fc-gps'}, field, buildLocate(state, q, input));
    if (input.tagName === 'TEXTAREA') field = h('div', {class: 'fc-textarea-wrapper'}, field, buildCount(q, input));
    return field;
  }

  /// "Còn N ký tự": how much a long text may still hold (the core refuses more, not the page).
  function buildCount(q, input) {
    const count = h('div', {class: 'fc-count', id: `count-${q.id}`, 'aria-live': 'polite'});
    const update = () => {
      const left = q.max_length - input.value.length;
      count.classList.toggle('fc-count--over', left < 0);
      FC.replace(count, left >= 0
        ? FC.s(`Còn ${left} ký tự`, `${left} characters left`)
        : FC.s(`Quá ${-left} ký tự`, `${-left} characters too many`));
    };
    input.addEventListener('input', update);
    update();
    return count;
  }

  function buildLocate(state, q, input) {
    const note = h('span', {class: 'fc-gps__note', role: 'status', id: `gps-status-${q.id}`});
    const button = h('button', {class: 'fc-button fc-button--secondary', type: 'button', id: `locate-${q.id}`},
      FC.s('Lấy vị trí', 'Use my location'));
    button.addEventListener('click', () => {
      if (!navigator.geolocation) {
        FC.replace(note, FC.s('Máy này không cho biết vị trí. Hãy nhập vĩ độ, kinh độ vào ô trên.',
                              'This computer cannot tell its location. Type the latitude and longitude above.'));
        return;
      }
      button.disabled = true;
      FC.replace(note, FC.s('Đang lấy vị trí…', 'Finding the location…'));
      navigator.geolocation.getCurrentPosition((position) => {
        button.disabled = false;
        const {latitude, longitude, accuracy} = position.coords;
        const text = `${latitude.toFixed(6)}, ${longitude.toFixed(6)}`;
        FC.replace(note, FC.s(`Đã lấy vị trí (sai số khoảng ${Math.round(accuracy)} m).`,
                              `Location found (to about ${Math.round(accuracy)} m).`));
        input.value = text;
        commit(state, q, text);
      }, (error) => {
        button.disabled = false;
        const denied = error && error.code === 1;
        FC.replace(note, denied
          ? FC.s('Không được phép lấy vị trí. Hãy nhập vĩ độ, kinh độ vào ô trên.',
                 'Location permission was refused. Type the latitude and longitude above.')
          : FC.s('Không lấy được vị trí lúc này. Hãy nhập vĩ độ, kinh độ vào ô trên.',
                 'The location is not available now. Type the latitude and longitude above.'));
      }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
    });
    return h('div', {class: 'fc-gps__actions'}, button, note);
  }

  /// Photo and signature fields come from media.js; the node is kept across re-renders while
  /// the photo and language are the same, so a camera preview or a signature being drawn survives
  /// another answer being saved.
  function photoNode(state, q, msg) {
    const key = [FC.lang, q.photo ? q.photo.sha256 : '', state.form.editable ? 1 : 0].join('|');
    let entry = state.photoNodes[q.id];
    if (!entry || entry.key !== key) {
      if (entry) disposeNode(entry.node);
      const node = FC.photoField(q, state.form, (form) => received(state, form, q.id));
      entry = state.photoNodes[q.id] = {key, node};
    }
    if (typeof entry.node.fcSetMessage === 'function') entry.node.fcSetMessage(msg);
    else if (msg) return h('div', {}, msg, entry.node);
    return entry.node;
  }

  function buildReadOnly(state, q, msg) {
    let answer;
    if (q.type === 'photo' || q.type === 'signature') {
      answer = photoNode(state, q, null);
    } else {
      answer = h('div', {class: 'fc-answer' + (isAnswered(q) ? '' : ' fc-answer--none'), id: `input-${q.id}`},
        isAnswered(q) ? FC.answerText(q) : FC.s('Chưa trả lời', 'Not answered'));
    }
    return [h('h3', {class: 'fc-label fc-label--readonly'}, FC.t(q.label)), msg, answer];
  }

  /// An answer as people read it, in `lang` ('vi' or 'en'; FC.lang by default): choice labels
  /// instead of codes, dates day first, numbers with their unit. The core's `shown` says choices in
  /// both languages at once; this says them in one. "" when unanswered.
  FC.answerText = function answerText(q, lang) {
    lang = lang || FC.lang;
    const input = q.input || '';
    const pick = (label) => (label && (label[lang] || label.vi || label.en)) || '';
    if (q.photo) return q.photo.name || '';
    if (input === '') return '';
    const two = (text) => String(text).padStart(2, '0');
    switch (q.type) {
      case 'yes_no': {
        const yes = yesNo(input);
        if (yes === null) return q.shown || input;
        return yes ? (lang === 'en' ? 'Yes' : 'Có') : (lang === 'en' ? 'No' : 'Không');
      }
      case 'single_choice':
      case 'multiple_choice': {
        const labels = input.split(',').map((code) => code.trim()).filter(Boolean).map((code) => {
          const choice = (q.choices || []).find((c) => c.code === code);
          return choice ? pick(choice.label) : code;
        });
        return labels.join('; ');
      }
      case 'date': {
        const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input);
        return m ? `${m[3]}/${m[2]}/${m[1]}` : (q.shown || input);
      }
      case 'date_time':
      case 'datetime': {
        const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})/.exec(input);
        return m ? `${two(m[4])}:${m[5]} ${m[3]}/${m[2]}/${m[1]}` : (q.shown || input);
      }
      case 'integer':
      case 'decimal':
        // The core's input is the number as Vietnamese write it (2.000.000; 18,5).
        if (lang === 'vi') return input + (q.unit ? ' ' + q.unit : '');
        return q.shown || input;
      default:
        return q.shown || input;
    }
  };

  // ---- checks across answers ----

  function buildCheck(state, m) {
    const warning = m.level === 'warning';
    const confirmed = warning && m.confirmed;
    const cls = 'fc-check ' + (confirmed ? 'fc-check--confirmed' : warning ? 'fc-check--warning' : 'fc-check--error');
    const id = `check-${m.constraint}-${Math.random().toString(36).slice(2, 7)}`;
    const node = h('div', {class: cls, dataset: {constraint: m.constraint}},
      h('p', {class: 'fc-check__text', id},
        h('strong', {class: 'fc-check__level'},
          confirmed ? FC.s('Cảnh báo đã xác nhận: ', 'Confirmed warning: ')
            : warning ? FC.s('Cảnh báo: ', 'Warning: ') : FC.s('Lỗi: ', 'Error: ')),
        FC.t(m.message)));
    if (confirmed) {
      node.append(h('p', {class: 'fc-check__by'}, FC.s('Đã xác nhận bởi ', 'Confirmed by ') + (m.confirmed_by || '')));
    } else if (warning && state.form.editable) {
      const button = h('button', {class: 'fc-button fc-button--warning', type: 'button', 'aria-describedby': id,
        dataset: {confirm: m.constraint}}, FC.s('Xác nhận cảnh báo này', 'Confirm this warning'));
      button.addEventListener('click', () => confirmWarning(state, m.constraint, button, node));
      node.append(button);
    }
    return node;
  }

  // ---- the error summary and finalize ----

  function buildSummary(state, shownIds) {
    const form = state.form;
    const items = [];
    const seen = new Set();
    for (const m of form.missing || []) {
      seen.add(m.question);
      items.push({target: m.question, text: FC.t(m.message) || FC.t(m.label)});
    }
    for (const c of form.constraints || []) {
      if (c.level === 'warning' && c.confirmed) continue;
      const target = (c.questions || []).find((id) => shownIds.has(id));
      const text = (c.level === 'warning' ? FC.s('Cảnh báo chưa xác nhận: ', 'Warning not confirmed: ') : '') + FC.t(c.message);
      items.push({target: target || null, text});
    }
    const failure = state.finalizeFailure;
    // A 422 is explained by the list; once the list is empty, the summary has done its job.
    if (!items.length && !(failure && failure.status !== 422)) return null;
    const list = h('ul', {class: 'fc-error-summary__list'}, items.map((item) => {
      const href = item.target ? `#q-${item.target}` : '#form-checks';
      const link = h('a', {href}, item.text);
      link.addEventListener('click', (e) => {
        e.preventDefault();
        focusQuestion(item.target);
      });
      return h('li', {}, link);
    }));
    const box = h('div', {class: 'fc-error-summary', id: 'error-summary', role: 'alert', tabindex: '-1',
                          'aria-labelledby': 'error-summary-title'},
      h('h2', {class: 'fc-error-summary__title', id: 'error-summary-title'},
        FC.s('Chưa hoàn tất được', 'The inspection cannot be finalized yet')),
      failure && failure.error ? h('p', {class: 'fc-error-summary__text'}, FC.t(failure.error)) : null,
      items.length ? list : null);
    return box;
  }

  /// Scrolls to a question and puts the focus in its input (or the checks at the top for null).
  function focusQuestion(id) {
    const wrapper = document.getElementById(id ? `q-${id}` : 'form-checks');
    if (!wrapper) return;
    wrapper.scrollIntoView({block: 'start'});
    const input = id && (document.getElementById(`input-${id}`) ||
      wrapper.querySelector('input, textarea, select, button'));
    if (input && !input.disabled && input.tabIndex >= 0) input.focus({preventScroll: true});
    else { wrapper.setAttribute('tabindex', '-1'); wrapper.focus({preventScroll: true}); }
  }

  function buildFinalize(state) {
    const form = state.form;
    const left = (form.missing || []).length;
    const button = h('button', {class: 'fc-button fc-button--primary', type: 'button', id: 'finalize'},
      FC.s('Hoàn tất', 'Finalize'));
    button.addEventListener('click', () => finalize(state, button));
    return h('div', {class: 'fc-finalize'},
      h('h2', {class: 'fc-finalize__title'}, FC.s('Hoàn tất biên bản', 'Finalize the record')),
      h('p', {class: 'fc-finalize__text'}, left
        ? FC.s(`Còn ${left} câu chưa trả lời hoặc chưa đúng. Bấm “Hoàn tất” để xem danh sách.`,
               `${left} answer(s) still missing or invalid. Press “Finalize” to see the list.`)
        : FC.s('Đã trả lời đủ. Sau khi hoàn tất, biên bản không sửa được nữa và chờ gửi lên.',
               'Every answer is given. Once finalized, the record can no longer be changed and waits to be sent.')),
      button);
  }

  // ---- talking to the core ----

  function path(state, what) {
    return `/api/inspections/${encodeURIComponent(state.ref)}/${what}`;
  }

  /// A Form arrived after a successful save: it becomes the form shown, and the page shell hears of it.
  function received(state, form, questionId) {
    state.form = form;
    state.failure = null;
    state.savedAt = new Date();
    if (questionId) delete state.errors[questionId];
    draw(state);
    if (typeof state.options.onForm === 'function') state.options.onForm(form);
  }

  /// Saves one answer as typed, after the saves before it (so Forms arrive in order).
  function commit(state, q, text) {
    const now = shownInput(state, q);
    if (text === now && !state.errors[q.id]) return;
    if (state.errors[q.id] && state.errors[q.id].text === text && !Object.prototype.hasOwnProperty.call(state.pending, q.id)) return;
    state.pending[q.id] = text;
    state.saving += 1;
    drawStatus(state);
    state.queue = state.queue.then(async () => {
      try {
        const form = await FC.api('POST', path(state, 'answer'), {question: q.id, text});
        delete state.pending[q.id];
        state.saving -= 1;
        delete state.errors[q.id];
        received(state, form, q.id);
      } catch (failure) {
        delete state.pending[q.id];
        state.saving -= 1;
        const error = (failure && failure.error) || {vi: 'Lỗi', en: 'Error'};
        state.errors[q.id] = {error, text};
        if (failure && failure.status !== 422) state.failure = error;
        draw(state);
      }
    });
  }

  function confirmWarning(state, constraint, button, check) {
    const wrapper = check.closest('[data-question]');
    const where = wrapper ? `#q-${CSS.escape(wrapper.dataset.question)}` : '#form-checks';
    button.disabled = true;
    state.saving += 1;
    drawStatus(state);
    state.queue = state.queue.then(async () => {
      try {
        const form = await FC.api('POST', path(state, 'confirm'), {constraint});
        state.saving -= 1;
        received(state, form, null);
        // The button is gone: the focus goes to what replaced it, not to the top of the page.
        const again = document.querySelector(`${where} [data-constraint="${CSS.escape(constraint)}"]`);
        if (again) {
          again.setAttribute('tabindex', '-1');
          again.focus({preventScroll: true});
        }
      } catch (failure) {
        state.saving -= 1;
        state.failure = (failure && failure.error) || {vi: 'Lỗi', en: 'Error'};
        button.disabled = false;
        draw(state);
      }
    });
  }

  function finalize(state, button) {
    button.disabled = true;
    state.queue = state.queue.then(async () => {
      try {
        const form = await FC.api('POST', path(state, 'finalize'));
        state.summary = false;
        state.finalizeFailure = null;
        received(state, form, null);
      } catch (failure) {
        button.disabled = false;
        const body = failure && failure.body;
        if (failure && failure.status === 422 && body && body.form) state.form = body.form;
        state.summary = true;
        state.finalizeFailure = {status: failure && failure.status,
                                 error: (failure && failure.error) || {vi: 'Lỗi', en: 'Error'}};
        draw(state);
        const summary = document.getElementById('error-summary');
        if (summary) {
          summary.scrollIntoView({block: 'start'});
          summary.focus({preventScroll: true});
        }
      }
    });
  }

  /// Puts the person back where they left off: the first question not answered yet.
  function resume(state) {
    for (const section of state.form.sections || []) {
      for (const q of section.questions || []) {
        if (isAnswered(q)) continue;
        const wrapper = document.getElementById(`q-${q.id}`);
        if (!wrapper) return;
        wrapper.scrollIntoView({block: 'center'});
        const input = document.getElementById(`input-${q.id}`);
        if (input && state.form.editable) input.focus({preventScroll: true});
        return;
      }
    }
  }
})(window.FC);
