// The inspection form: renders the core's Form, saves each answer the moment it is given, and shows what the core says of it.
'use strict';
window.FC = window.FC || {};

(function (FC) {
  const h = FC.h;

  /// The state of one container's form, kept across re-renders (and across FC.renderForm calls
  /// for the same record): the Form last received, the answers typed but refused (422), the
  /// answers being saved, and whether the error summary of a finalize attempt is showing.
  const states = new WeakMap();
  const kTypingPauseMs = 700;  // a typed answer is saved this long after the last keystroke

  /// Every form state that may hold answers not sent yet: when the page is hidden or closed, their
  /// typed text (and a signature drawn) goes out at once, with `keepalive` so the request outlives the page.
  const live = new Set();
  function pageHidden() {
    for (const state of Array.from(live)) {
      sendNow(state);
      if (!state.root.isConnected && idle(state)) live.delete(state);
    }
  }
  window.addEventListener('pagehide', pageHidden);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') pageHidden(); });

  /// Submitted to the province or approved: a supervisor reads it; amending takes a deliberate click.
  function isLocked(form) {
    return ['submitted', 'approved'].includes(form.standing && form.standing.code);
  }

  /// Whether this view offers fields to change: the core's `editable`, unless the record is locked
  /// and nobody pressed "Amend" in this view.
  function editableOf(state) {
    return !!state.form.editable && (!isLocked(state.form) || state.amend);
  }

  function idle(state) {
    return !Object.keys(state.dirty).length && !Object.keys(state.latest).length && state.saving === 0 && !state.unsavedMedia.size;
  }

  /// Renders `form` (the core's Form, see client/app/API.md) into `container`.
  /// options: {ref: the record's number or id for the API (default form.number || form.id),
  ///           onForm(form): called after every successful save, confirm and finalize,
  ///           resume: scroll to (and focus) the first unanswered question after rendering}.
  /// Every answer is POSTed as typed text; the page never decides what is valid or what applies.
  /// The element returned has flush(): a promise that settles once every answer typed (and a
  /// signature drawn) has been sent and answered.
  FC.renderForm = function renderForm(container, form, options) {
    options = options || {};
    for (const other of Array.from(live)) if (!other.root.isConnected && idle(other)) live.delete(other);
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
    keepAmend(state);
    draw(state);
    if (options.resume) resume(state);
    return state.root;
  };

  function newState(container, form, options, ref) {
    const state = {
      container, form, options, ref,
      errors: {},       // question id -> {error: {vi,en}, text}: refused, nothing saved
      pending: {},      // question id -> text being saved
      latest: {},       // question id -> the newest save of it not answered yet: {id, text, request}
      dirty: {},        // question id -> {timer, save(keepalive)}: text typed, not sent yet
      unsavedMedia: new Set(),  // question ids of signatures drawn and not saved yet
      queue: Promise.resolve(),
      amend: false,     // a supervisor pressed "Amend" on a submitted or approved record, in this view
      amendFor: form.standing && form.standing.code,
      done: null,       // the record number just finalized: the success panel shows
      saving: 0,
      savedAt: null,    // Date of the last successful save
      failure: null,    // {vi,en} of the last save that did not reach the core
      summary: false,   // the finalize error summary is showing
      finalizeFailure: null,  // {status, error} of the last finalize refused
      views: new Map(),     // question id -> its element (createView), kept from one Form to the next
      sections: new Map(),  // section key -> {root, heading}
      finalizeView: null,
      root: h('div', {class: 'fc-form'}),
      status: h('div', {class: 'fc-form__status', role: 'status', 'aria-live': 'polite'}),
      body: h('div', {class: 'fc-form__body'}),
    };
    FC.append(state.root, [state.status, state.body]);
    FC.replace(container, state.root);
    state.root.flush = () => flush(state);
    live.add(state);
    state.onLang = () => {
      if (state.root.isConnected) draw(state);
      else state.dispose();  // the page has moved on: this form listens no more
    };
    document.addEventListener('fc-lang', state.onLang);
    state.dispose = () => {
      document.removeEventListener('fc-lang', state.onLang);
      for (const view of state.views.values()) view.dispose();
      state.views = new Map();
      if (idle(state)) live.delete(state);
    };
    return state;
  }

  function disposeNode(node) {
    if (node && typeof node.fcDispose === 'function') node.fcDispose();
  }

  // ---- drawing ----

  /// Brings the page in line with state.form. Each question keeps its element (and its inputs)
  /// from one Form to the next: only what changed is touched, so the focus, the text being typed,
  /// the scroll position, a camera preview or a signature being drawn all stay as they are.
  function draw(state) {
    const active = document.activeElement;
    const activeId = active && active.id && state.body.contains(active) ? active.id : null;
    const anchor = active && state.body.contains(active) ? active.closest('[data-question]') : null;
    const anchorId = anchor ? anchor.dataset.question : null;
    const anchorTop = anchor ? anchor.getBoundingClientRect().top : null;

    const form = state.form;
    const editable = editableOf(state);
    state.root.classList.toggle('fc-form--readonly', !editable);
    const shownIds = new Set();
    for (const section of form.sections || []) for (const q of section.questions || []) shownIds.add(q.id);
    // A refused answer to a question that no longer applies is no longer anyone's concern.
    for (const id of Object.keys(state.errors)) if (!shownIds.has(id)) delete state.errors[id];
    for (const id of Object.keys(state.dirty)) {
      if (!shownIds.has(id)) { clearTimeout(state.dirty[id].timer); delete state.dirty[id]; }
    }
    for (const id of Array.from(state.unsavedMedia)) if (!shownIds.has(id)) state.unsavedMedia.delete(id);
    drawStatus(state);

    const children = [];
    if (state.done) {
      if (!state.doneView || state.doneView.lang !== FC.lang) state.doneView = buildDone(state);
      children.push(state.doneView.root);
    }
    if (form.editable && isLocked(form)) {
      if (!state.amendView || state.amendView.lang !== FC.lang || state.amendView.amend !== state.amend) {
        state.amendView = buildAmend(state);
      }
      children.push(state.amendView.root);
    }
    if (state.summary) children.push(buildSummary(state, shownIds));
    // Checks across answers that concern no question shown here.
    const loose = (form.constraints || []).filter((c) => !(c.questions || []).some((id) => shownIds.has(id)));
    if (loose.length) {
      children.push(h('div', {class: 'fc-form__checks', id: 'form-checks'},
        h('h2', {class: 'fc-form__checks-title'}, FC.s('Kiểm tra chung', 'Checks across the form')),
        loose.map((c) => buildCheck(state, {constraint: c.id, level: c.level, message: c.message,
                                              confirmed: c.confirmed, confirmed_by: c.confirmed_by}))));
    }

    const usedViews = new Map();
    const usedSections = new Map();
    const seen = new Map();
    for (const section of form.sections || []) {
      const questions = section.questions || [];
      if (!questions.length) continue;
      // Keyed by its label (and which time that label comes), not its position: a section that
      // appears above leaves the others, and the focus in them, where they are.
      const label = FC.t(section.label);
      seen.set(label, (seen.get(label) || 0) + 1);
      const key = `${FC.lang}|${label}|${seen.get(label)}`;
      let el = state.sections.get(key);
      if (!el) {
        state.sectionCount = (state.sectionCount || 0) + 1;
        const headingId = `section-${state.sectionCount}`;
        el = {heading: h('h2', {class: 'fc-section__title', id: headingId}, FC.t(section.label))};
        el.root = h('section', {class: 'fc-section', 'aria-labelledby': headingId}, el.heading);
      }
      usedSections.set(key, el);
      const wrappers = [el.heading];
      for (const q of questions) {
        let view = state.views.get(q.id);
        if (!view || view.key !== viewKey(state, q)) {
          if (view) view.dispose();
          view = createView(state, q);
        }
        view.update(q);
        usedViews.set(q.id, view);
        wrappers.push(view.wrapper);
      }
      reconcile(el.root, wrappers);
      children.push(el.root);
    }
    for (const [id, view] of state.views) if (usedViews.get(id) !== view) view.dispose();
    state.views = usedViews;
    state.sections = usedSections;

    // A supervisor may correct a finalized record (editable) but has nothing to finalize.
    const finalizable = !['finalized', 'submitted', 'approved'].includes(form.standing && form.standing.code);
    if (editable && finalizable) {
      if (!state.finalizeView || state.finalizeView.lang !== FC.lang) state.finalizeView = createFinalize(state);
      state.finalizeView.update();
      children.push(state.finalizeView.root);
    }
    reconcile(state.body, children.filter(Boolean));

    if (activeId && document.activeElement !== active) {
      const again = document.getElementById(activeId);
      if (again) again.focus({preventScroll: true});
    }
    if (anchorId !== null && anchorTop !== null) {
      const again = document.getElementById('q-' + anchorId);
      if (again) {
        const shift = again.getBoundingClientRect().top - anchorTop;
        if (Math.abs(shift) >= 1) window.scrollBy(0, shift);
      }
    }
  }

  /// Makes `parent`'s children exactly `wanted`, in order, moving as few nodes as it can (a node
  /// taken out of the page loses the focus).
  function reconcile(parent, wanted) {
    const keep = new Set(wanted);
    for (const node of Array.from(parent.childNodes)) if (!keep.has(node)) node.remove();
    wanted.forEach((node, i) => {
      if (parent.childNodes[i] !== node) parent.insertBefore(node, parent.childNodes[i] || null);
    });
    while (parent.childNodes.length > wanted.length) parent.lastChild.remove();
  }

  function drawStatus(state) {
    const form = state.form;
    let text;
    let kind = '';
    if (state.saving > 0) {
      text = FC.s('Đang lưu…', 'Saving…');
      kind = 'saving';
    } else if (Object.keys(state.dirty).length > 0 || state.unsavedMedia.size > 0) {
      // Typed, not sent yet (it goes about a second after the last keystroke, or on leaving the field).
      text = FC.s('Chưa lưu…', 'Not saved yet…');
      kind = 'unsaved';
    } else if (state.failure) {
      text = FC.s('Chưa lưu: ', 'Not saved: ') + FC.t(state.failure);
      kind = 'failed';
    } else if (Object.keys(state.errors).some((id) => !stillTyping(state, id))) {
      text = FC.s('Có câu trả lời chưa lưu được: xem thông báo màu đỏ', 'An answer could not be saved: see the message in red');
      kind = 'failed';
    } else if (Object.keys(state.errors).length > 0) {
      // Refused while still being typed: said beside the field; the bar stays calm until it is left.
      text = FC.s('Chưa lưu…', 'Not saved yet…');
      kind = 'unsaved';
    } else if (state.savedAt) {
      text = FC.s('Đã lưu lúc ', 'Saved at ') + timeText(state.savedAt);
      kind = 'saved';
    } else if (editableOf(state)) {
      text = FC.s('Mỗi câu trả lời được lưu ngay khi nhập', 'Each answer is saved as soon as it is given');
    } else {
      text = '';
    }
    const progress = form.applicable
      ? FC.s(`Đã trả lời ${form.answered}/${form.applicable} câu`, `${form.answered} of ${form.applicable} answered`)
      : '';
    state.status.className = 'fc-form__status' + (kind ? ' fc-form__status--' + kind : '');
    if (!state.statusParts) {
      state.statusParts = {saved: h('span', {class: 'fc-form__saved', id: 'saved-state'}),
                           progress: h('span', {class: 'fc-form__progress', id: 'form-progress'})};
      FC.replace(state.status, state.statusParts.saved, state.statusParts.progress);
    }
    if (state.statusParts.saved.textContent !== text) state.statusParts.saved.textContent = text;
    if (state.statusParts.progress.textContent !== progress) state.statusParts.progress.textContent = progress;
  }

  /// Whether the refused answer of question `id` is the text still being typed in its focused field.
  function stillTyping(state, id) {
    const active = document.activeElement;
    return !!active && active.id === `input-${id}` && state.body.contains(active) &&
      'value' in active && active.value === state.errors[id].text;
  }

  function timeText(date) {
    const two = (n) => String(n).padStart(2, '0');
    return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
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

  /// An error as people read it: its details when it has any (the 422 of an answer says
  /// "nothing saved" and, in its details, what is wrong with the text), else its message.
  function errorText(error) {
    const details = (error && Array.isArray(error.details) ? error.details : []).map((d) => FC.t(d)).filter(Boolean);
    return details.length ? details.join(' ') : FC.t(error);
  }

  /// The message beside a question without the “Label”: the core puts in front of it.
  function besideText(q, message) {
    let text = errorText(message);
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

  /// What a question's element is made from: when it changes, the element is made anew.
  function viewKey(state, q) {
    return [FC.lang, q.type, editableOf(state) ? 1 : 0, (q.choices || []).map((c) => c.code).join(','),
            q.max_length > 200 ? 1 : 0, q.unit || '', q.required ? 1 : 0].join('|');
  }

  /// One question's element: {key, wrapper, update(q), dispose()}. update(q) brings the inputs,
  /// the error message and the checks in line with the question `q` of a new Form.
  function createView(state, q) {
    const editable = editableOf(state);
    const view = {key: viewKey(state, q), q, media: null, mediaKey: null};
    view.wrapper = h('div', {class: 'fc-q', id: `q-${q.id}`, dataset: {question: q.id, type: q.type}});
    view.slot = h('div', {class: 'fc-q__error'});
    view.checks = h('div', {class: 'fc-q__checks'});
    view.dispose = () => { disposeNode(view.media); view.media = null; };
    const hintId = q.hint || hintOfType(q) ? `hint-${q.id}` : null;
    let setValue = () => {};
    let describe = () => {};

    if (!editable) {
      setValue = () => {
        const cur = view.q;
        if (cur.type === 'photo' || cur.type === 'signature') {  // media.js shows the label and the picture
          FC.replace(view.wrapper, view.slot, mediaNode(state, view, cur, null), view.checks);
          return;
        }
        const answer = h('div', {class: 'fc-answer' + (isAnswered(cur) ? '' : ' fc-answer--none'), id: `input-${cur.id}`},
          isAnswered(cur) ? FC.answerText(cur) : FC.s('Chưa trả lời', 'Not answered'));
        FC.replace(view.wrapper, h('h3', {class: 'fc-label fc-label--readonly'}, FC.t(cur.label)), answer, view.slot, view.checks);
      };
    } else if (q.type === 'photo' || q.type === 'signature') {
      setValue = (msg) => {
        const node = mediaNode(state, view, view.q, msg);
        if (view.wrapper.firstChild !== node) FC.replace(view.wrapper, node, view.checks);
      };
    } else if (['yes_no', 'single_choice', 'multiple_choice'].includes(q.type)) {
      const built = buildChoices(state, view, hintId);
      FC.append(view.wrapper, [built.fieldset, view.checks]);
      setValue = built.setValue;
      describe = (ids) => setDescribed(built.fieldset, ids);
    } else {
      const built = buildInput(state, view, hintId);
      FC.append(view.wrapper, [labelOf(q, `input-${q.id}`), hintNode(q, hintId), view.slot, built.field, view.checks]);
      setValue = built.setValue;
      describe = (ids) => setDescribed(built.input, ids.concat(q.unit ? [`unit-${q.id}`] : [],
        built.input.type === 'date' || built.input.type === 'datetime-local' ? [`shown-${q.id}`] : []));
      view.input = built.input;
    }

    view.update = (next) => {
      view.q = next;
      const error = errorFor(state, next);
      view.wrapper.classList.toggle('fc-q--error', !!error);
      const msg = error ? h('p', {class: 'fc-error-message', id: `msg-${next.id}`},
        h('span', {class: 'fc-visually-hidden'}, FC.s('Lỗi: ', 'Error: ')), besideText(next, error)) : null;
      FC.replace(view.slot, msg);
      describe([hintId, msg ? msg.id : null].filter(Boolean));
      if (view.input) view.input.setAttribute('aria-invalid', error ? 'true' : 'false');
      setValue(msg);
      FC.replace(view.checks, (next.messages || []).map((m) => buildCheck(state, m)));
      view.checks.hidden = !(next.messages || []).length;
    };
    return view;
  }

  function setDescribed(el, ids) {
    if (ids.length) el.setAttribute('aria-describedby', ids.join(' '));
    else el.removeAttribute('aria-describedby');
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

  /// Yes or no as the core reads it (parseYesNo), so a stored "true" selects "Có".
  function yesNo(text) {
    const folded = String(text).normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/gi, 'd').trim().toLowerCase();
    if (['co', 'c', 'yes', 'y', '1', 'true', 'dung', 'x'].includes(folded)) return true;
    if (['khong', 'k', 'ko', 'no', 'n', '0', 'false', 'sai'].includes(folded)) return false;
    return null;
  }

  function buildChoices(state, view, hintId) {
    const q = view.q;
    const multiple = q.type === 'multiple_choice';
    const choices = q.type === 'yes_no' && !(q.choices && q.choices.length)
      ? [{code: 'yes', label: {vi: 'Có', en: 'Yes'}}, {code: 'no', label: {vi: 'Không', en: 'No'}}]
      : (q.choices || []);
    const group = h('div', {class: 'fc-choices' + (q.type === 'yes_no' ? ' fc-choices--inline' : '')});
    const inputs = choices.map((choice, i) => {
      const id = i === 0 ? `input-${q.id}` : `input-${q.id}--${choice.code}`;
      const input = h('input', {class: 'fc-choice__input', id, type: multiple ? 'checkbox' : 'radio',
                                name: `answer-${q.id}`, value: choice.code});
      input.addEventListener('change', () => {
        const text = multiple ? inputs.filter((el) => el.checked).map((el) => el.value).join(',') : input.value;
        commit(state, view.q, text);
      });
      group.append(h('div', {class: 'fc-choice'}, input,
        h('label', {class: 'fc-choice__label', for: id}, FC.t(choice.label))));
      return input;
    });
    const fieldset = h('fieldset', {class: 'fc-fieldset'},
      h('legend', {class: 'fc-label fc-legend'}, labelText(q)),
      hintNode(q, hintId), view.slot, group);
    const setValue = () => {
      const cur = view.q;
      const typed = shownInput(state, cur).split(',').map((t) => t.trim()).filter(Boolean);
      for (const input of inputs) {
        const code = input.value;
        input.checked = typed.some((t) => t === code ||
          (cur.type === 'yes_no' && yesNo(t) !== null && yesNo(t) === yesNo(code)));
      }
    };
    return {fieldset, setValue};
  }

  function buildInput(state, view, hintId) {
    const q = view.q;
    const common = {id: `input-${q.id}`, name: `answer-${q.id}`};
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
    const isDate = input.type === 'date' || input.type === 'datetime-local';
    // Beside a date: the saved answer as Vietnamese write it (15/12/2026), whatever order the
    // browser's own control shows (an English Chromium shows mm/dd/yyyy).
    const shown = isDate ? h('span', {class: 'fc-date__shown', id: `shown-${q.id}`}) : null;
    let dateNote = null;  // the date left half typed: not saved, said beside the field

    // `rendered`: the text the field was last given (by a Form, or by a commit). A field whose
    // text differs from it is being typed in: a Form arriving then leaves it alone, and so does a
    // Form answering a save made while typing (the core's "2.000.000" waits until the field is left).
    const setValue = () => {
      const text = shownInput(state, view.q);
      const focused = document.activeElement === input;
      const hold = focused && (input.value !== input.dataset.rendered || view.typingSave);
      if (!hold && input.value !== text) input.value = text;
      input.dataset.rendered = hold ? input.dataset.rendered : text;
      if (shown) drawShown();
      input.dispatchEvent(new CustomEvent('fc-value'));
    };
    const drawShown = () => {
      const cur = view.q;
      const parts = [];
      if (dateNote) parts.push(h('span', {class: 'fc-date__note'}, dateNote));
      else if (cur.input) parts.push(FC.s('Đã lưu: ', 'Saved: '), h('strong', {lang: 'vi'}, cur.shown || FC.answerText(cur, 'vi')));
      FC.replace(shown, parts);
    };

    const cancel = () => {
      const pending = state.dirty[view.q.id];
      if (pending) clearTimeout(pending.timer);
      delete state.dirty[view.q.id];
    };
    /// Sends the field's text now (as the core's input for it): on change, on leaving the field,
    /// on Enter, ~700 ms after the last keystroke, and when the page is hidden (keepalive).
    const save = (how) => {
      cancel();
      view.typingSave = how === 'typing';
      if (isDate) {
        const text = input.value;
        // A date typed halfway reads as "" (badInput), or as year 0002, 0020, 0202 while its year
        // is typed: neither is the person's answer. Saved once its year is 1900 or later, or empty.
        const year = /^(\d{4,6})-/.exec(text);
        const complete = !(input.validity && input.validity.badInput) && (text === '' || (year && Number(year[1]) >= 1900));
        if (!complete) {
          if (how === 'leave' || how === 'flush' || how === 'hidden') {
            dateNote = FC.s('Chưa lưu: hãy nhập đủ ngày, tháng và năm (4 chữ số).',
                            'Not saved: enter the day, the month and the year (4 digits).');
            drawShown();
            state.dirty[view.q.id] = {timer: null, save};
          }
          drawStatus(state);
          return;
        }
        if (dateNote) { dateNote = null; drawShown(); }
      } else if (input.validity && input.validity.badInput) {
        drawStatus(state);
        return;
      }
      input.dataset.rendered = input.value;
      commit(state, view.q, input.value, how === 'hidden');
      drawStatus(state);
    };
    const later = (ms) => {
      const pending = state.dirty[view.q.id] || (state.dirty[view.q.id] = {timer: null, save});
      clearTimeout(pending.timer);
      pending.timer = ms === null ? null : setTimeout(() => save('typing'), ms);
      drawStatus(state);
    };
    if (isDate) {
      // Picked from the calendar, or typed to the last digit: saved (after a pause while the
      // field keeps the focus, so the minutes of a time are not saved digit by digit).
      input.addEventListener('change', () => {
        if (document.activeElement === input) later(kTypingPauseMs); else save('change');
      });
      input.addEventListener('input', () => {
        if (input.value !== input.dataset.rendered || (input.validity && input.validity.badInput)) {
          if (!state.dirty[view.q.id]) later(null);
        }
      });
    } else {
      input.addEventListener('input', () => {
        if (input.value === input.dataset.rendered && !state.errors[view.q.id]) cancel();
        else later(kTypingPauseMs);
        drawStatus(state);
      });
      input.addEventListener('change', () => save('change'));
    }
    input.addEventListener('blur', () => save('leave'));
    if (input.tagName === 'INPUT' && input.type === 'text') {
      input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); save('enter'); } });
    }

    let field = input;
    if (q.unit) {
      field = h('div', {class: 'fc-input-wrapper'}, input, h('span', {class: 'fc-input-suffix', id: `unit-${q.id}`}, q.unit));
    }
    if (shown) field = h('div', {class: 'fc-date'}, field, shown);
    if (q.type === 'gps') field = h('div', {class: 'fc-gps'}, field, buildLocate(state, view, input));
    if (input.tagName === 'TEXTAREA') field = h('div', {class: 'fc-textarea-wrapper'}, field, buildCount(view, input));
    return {field, input, setValue};
  }

  /// "Còn N ký tự": how much a long text may still hold (the core refuses more, not the page).
  function buildCount(view, input) {
    const count = h('div', {class: 'fc-count', id: `count-${view.q.id}`});
    const update = () => {
      const left = view.q.max_length - input.value.length;
      count.classList.toggle('fc-count--over', left < 0);
      FC.replace(count, left >= 0
        ? FC.s(`Còn ${left} ký tự`, `${left} characters left`)
        : FC.s(`Quá ${-left} ký tự`, `${-left} characters too many`));
    };
    input.addEventListener('input', update);
    input.addEventListener('fc-value', update);
    return count;
  }

  function buildLocate(state, view, input) {
    const id = view.q.id;
    const note = h('span', {class: 'fc-gps__note', role: 'status', id: `gps-status-${id}`});
    const button = h('button', {class: 'fc-button fc-button--secondary', type: 'button', id: `locate-${id}`},
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
        input.dataset.rendered = text;
        commit(state, view.q, text);
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

  /// Photo and signature fields come from media.js; the node is kept while the photo is the same,
  /// so a camera preview or a signature being drawn survives another answer being saved.
  function mediaNode(state, view, q, msg) {
    const key = (q.photo ? q.photo.sha256 : '') + (editableOf(state) ? '|edit' : '|read');
    if (!view.media || view.mediaKey !== key) {
      disposeNode(view.media);
      // A locked record shows its pictures read-only until "Amend" is pressed.
      const form = editableOf(state) === !!state.form.editable ? state.form : Object.assign({}, state.form, {editable: false});
      view.media = FC.photoField(q, form, (answered) => received(state, answered, q.id), (unsaved) => {
        // A signature drawn and not saved yet: the bar says so, as for typed text.
        if (unsaved) state.unsavedMedia.add(q.id); else state.unsavedMedia.delete(q.id);
        drawStatus(state);
      });
      view.mediaKey = key;
    }
    if (typeof view.media.fcSetMessage === 'function') view.media.fcSetMessage(msg);
    return view.media;
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
        if (!m) return q.shown || input;
        return lang === 'en' ? `${m[3]}/${m[2]}/${m[1]} ${two(m[4])}:${m[5]}` : `${two(m[4])}:${m[5]}, ngày ${m[3]}/${m[2]}/${m[1]}`;
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
    } else if (warning && editableOf(state)) {
      const button = h('button', {class: 'fc-button fc-button--warning', type: 'button', 'aria-describedby': id,
        dataset: {confirm: m.constraint}}, FC.s('Xác nhận cảnh báo này', 'Confirm this warning'));
      button.addEventListener('click', () => confirmWarning(state, m.constraint, button, node));
      node.append(button);
    }
    return node;
  }

  // ---- the error summary and finalize ----

  /// The GOV.UK error summary after a finalize attempt: what is not answered (by label), what is
  /// answered wrongly, the checks that fail, the warnings not confirmed; each a link to its question.
  /// Drawn again after each save (shrinking as things are fixed); announced (role=alert) only
  /// right after the attempt, not on every save that follows.
  function buildSummary(state, shownIds) {
    const form = state.form;
    const byId = new Map();
    for (const section of form.sections || []) for (const q of section.questions || []) byId.set(q.id, q);
    const unanswered = [];
    const wrong = [];
    const warnings = [];
    for (const m of form.missing || []) {
      const q = byId.get(m.question);
      if (q && !isAnswered(q)) unanswered.push({target: m.question, text: FC.t(m.label) || FC.t(m.message)});
      else wrong.push({target: m.question, text: FC.t(m.message) || FC.t(m.label)});
    }
    for (const c of form.constraints || []) {
      if (c.level === 'warning' && c.confirmed) continue;
      const target = (c.questions || []).find((id) => shownIds.has(id)) || null;
      (c.level === 'warning' ? warnings : wrong).push({target, text: FC.t(c.message)});
    }
    const failure = state.finalizeFailure;
    const count = unanswered.length + wrong.length + warnings.length;
    // A 422 is explained by the list; once the list is empty, the summary has done its job.
    if (!count && !(failure && failure.status !== 422)) return null;

    const group = (title, items) => items.length ? [
      h('h3', {class: 'fc-error-summary__group'}, title),
      h('ul', {class: 'fc-error-summary__list'}, items.map((item) => {
        const link = h('a', {href: item.target ? `#q-${item.target}` : '#form-checks'}, item.text);
        link.addEventListener('click', (e) => {
          e.preventDefault();
          focusQuestion(item.target);
        });
        return h('li', {}, link);
      }))] : null;
    const announce = state.announceSummary;
    state.announceSummary = false;
    return h('div', {class: 'fc-error-summary', id: 'error-summary', role: announce ? 'alert' : null, tabindex: '-1',
                     'aria-labelledby': 'error-summary-title'},
      h('h2', {class: 'fc-error-summary__title', id: 'error-summary-title'},
        FC.s('Chưa hoàn tất được', 'The inspection cannot be finalized yet')),
      failure && failure.status !== 422 && failure.error ? [
        h('p', {class: 'fc-error-summary__text'}, FC.t(failure.error)),
        (failure.error.details || []).length
          ? h('ul', {class: 'fc-error-summary__details'}, failure.error.details.map((d) => h('li', {}, FC.t(d)))) : null] : null,
      count ? h('p', {class: 'fc-error-summary__text'},
        FC.s(`Còn ${count} điểm cần xử lý trước khi hoàn tất:`, `${count} thing(s) to deal with before finalizing:`)) : null,
      group(FC.s('Chưa trả lời (bắt buộc)', 'Not answered (required)'), unanswered),
      group(FC.s('Cần sửa', 'To correct'), wrong),
      group(FC.s('Cảnh báo cần xem lại hoặc xác nhận', 'Warnings to check or confirm'), warnings));
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

  function createFinalize(state) {
    const text = h('p', {class: 'fc-finalize__text', id: 'finalize-text'});
    const button = h('button', {class: 'fc-button fc-button--primary', type: 'button', id: 'finalize',
                                'aria-describedby': 'finalize-text'}, FC.s('Hoàn tất', 'Finalize'));
    button.addEventListener('click', () => finalize(state, button));
    const root = h('div', {class: 'fc-finalize'},
      h('h2', {class: 'fc-finalize__title'}, FC.s('Hoàn tất biên bản', 'Finalize the record')), text, button);
    const update = () => {
      const left = (state.form.missing || []).length;
      FC.replace(text, left
        ? FC.s(`Còn ${left} câu chưa trả lời hoặc chưa đúng. Bấm “Hoàn tất” để xem danh sách.`,
               `${left} answer(s) still missing or invalid. Press “Finalize” to see the list.`)
        : FC.s('Đã trả lời đủ. Sau khi hoàn tất, biên bản không sửa được nữa và chờ gửi lên.',
               'Every answer is given. Once finalized, the record can no longer be changed and waits to be sent.'));
    };
    return {root, update, lang: FC.lang};
  }

  // ---- the panels above the questions ----

  /// Finalized: said at the top, where the focus goes, with the way to send it.
  function buildDone(state) {
    const number = state.done;
    const root = h('div', {class: 'fc-done', id: 'finalized', role: 'status', tabindex: '-1',
                           'aria-labelledby': 'finalized-title'},
      h('h2', {class: 'fc-done__title', id: 'finalized-title'}, FC.s(`Đã hoàn tất ${number}.`, `Finalized ${number}.`)),
      h('p', {class: 'fc-done__text'}, FC.s('Phiếu sẽ được gửi khi đồng bộ. ', 'It will be sent with the next sync. '),
        h('a', {href: '#/sync', class: 'fc-done__link', id: 'finalized-sync'}, FC.s('Đồng bộ ngay', 'Sync now'))));
    return {root, lang: FC.lang};
  }

  /// A submitted or approved record opens read-only, even for a supervisor who may correct it:
  /// one stray click must not amend the inspector's record. "Amend" opens the fields, in this view.
  function buildAmend(state) {
    const code = state.form.standing && state.form.standing.code;
    if (state.amend) {
      return {lang: FC.lang, amend: true, root: h('div', {class: 'fc-amend fc-amend--on', id: 'amend-note', role: 'note'},
        h('p', {class: 'fc-amend__text'}, FC.s('Bạn đang sửa phiếu ' + (code === 'approved' ? 'đã duyệt' : 'đã gửi') +
          ' của người kiểm tra. Mỗi thay đổi được lưu ngay và ghi vào lịch sử.',
          'You are amending the inspector\'s ' + (code === 'approved' ? 'approved' : 'submitted') +
          ' record. Each change is saved at once and kept in its history.')))};
    }
    const button = h('button', {class: 'fc-button fc-button--secondary', type: 'button', id: 'amend'},
      FC.s('Sửa phiếu (giám sát viên)', 'Amend (supervisor)'));
    button.addEventListener('click', () => {
      state.amend = true;
      draw(state);
      const note = document.getElementById('amend-note');
      const first = state.body.querySelector('.fc-q input:not([type=hidden]), .fc-q textarea');
      if (first) first.focus();
      else if (note) { note.setAttribute('tabindex', '-1'); note.focus(); }
    });
    return {lang: FC.lang, amend: false, root: h('div', {class: 'fc-amend', id: 'amend-box'},
      h('p', {class: 'fc-amend__text'}, FC.s('Phiếu ' + (code === 'approved' ? 'đã duyệt' : 'đã gửi') + ': chỉ xem.',
        (code === 'approved' ? 'Approved' : 'Submitted') + ' record: read only.')),
      button)};
  }

  /// "Amend" holds for the record as it stood when pressed: once its standing changes, it reads again.
  function keepAmend(state) {
    const code = state.form.standing && state.form.standing.code;
    if (state.amendFor !== code) {
      state.amend = false;
      state.amendFor = code;
    }
  }

  // ---- talking to the core ----

  function path(state, what) {
    return `/api/inspections/${encodeURIComponent(state.ref)}/${what}`;
  }

  /// A Form arrived after a successful save: it becomes the form shown, and the page shell hears of it.
  function received(state, form, questionId) {
    state.form = form;
    keepAmend(state);
    state.failure = null;
    state.savedAt = new Date();
    if (questionId) delete state.errors[questionId];
    draw(state);
    if (typeof state.options.onForm === 'function') state.options.onForm(form);
  }

  /// POSTs `body` to the record's `what`, as FC.api does; with `keepalive` the request outlives the
  /// page (sent as it is hidden or closed). Rejects as FC.api does: {status, error, body}.
  async function post(state, what, body, keepalive) {
    if (!keepalive) return FC.api('POST', path(state, what), body);
    let response;
    try {
      response = await fetch(path(state, what), {method: 'POST', credentials: 'same-origin', keepalive: true,
        headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
    } catch (e) {
      throw {status: 0, error: {vi: 'Chương trình fieldcheck ui đã dừng. Chạy lại lệnh fieldcheck ui.',
                                en: 'The fieldcheck ui program has stopped. Run fieldcheck ui again.', details: []}};
    }
    const type = response.headers.get('Content-Type') || '';
    const data = type.includes('application/json') ? await response.json() : null;
    if (!response.ok) throw {status: response.status, error: (data && data.error) || {vi: 'Lỗi', en: 'Error', details: []}, body: data};
    return data;
  }

  /// Sends an answer's request now, before its turn, with keepalive (the page is going away).
  function sendEarly(state, entry) {
    entry.request = post(state, 'answer', {question: entry.id, text: entry.text}, true);
    entry.request.catch(() => {});  // handled in its turn in the queue; not an unhandled rejection meanwhile
  }

  /// The page is hidden or closed: every text typed and every save still waiting goes out now.
  function sendNow(state) {
    for (const pending of Object.values(state.dirty)) pending.save('hidden');
    for (const entry of Object.values(state.latest)) if (!entry.request) sendEarly(state, entry);
    for (const view of state.views.values()) {
      if (view.media && typeof view.media.fcFlush === 'function') view.media.fcFlush(true);
    }
  }

  /// Settles once every answer typed and every signature drawn is saved (or refused): finalize waits for it.
  async function flush(state) {
    for (const pending of Object.values(state.dirty)) pending.save('flush');
    const media = [];
    for (const view of state.views.values()) {
      if (view.media && typeof view.media.fcFlush === 'function') media.push(Promise.resolve(view.media.fcFlush()).catch(() => {}));
    }
    await Promise.all(media);
    let queue;
    do {
      queue = state.queue;
      await queue;
    } while (queue !== state.queue);
  }

  /// Saves one answer as typed, after the saves before it (so Forms arrive in order). Returns the queue.
  function commit(state, q, text, keepalive) {
    const now = shownInput(state, q);
    if (text === now && !state.errors[q.id]) return state.queue;
    if (state.errors[q.id] && state.errors[q.id].text === text && !Object.prototype.hasOwnProperty.call(state.pending, q.id)) return state.queue;
    state.pending[q.id] = text;
    state.saving += 1;
    const entry = {id: q.id, text, request: null};
    state.latest[q.id] = entry;
    if (keepalive) sendEarly(state, entry);
    drawStatus(state);
    state.queue = state.queue.then(async () => {
      // A newer text of this question already went out (the page was being hidden): sending this
      // older one now would undo it.
      const newer = state.latest[q.id];
      if (!entry.request && newer && newer !== entry && newer.request) {
        state.saving -= 1;
        drawStatus(state);
        return;
      }
      try {
        if (!entry.request) entry.request = post(state, 'answer', {question: q.id, text}, false);
        const form = await entry.request;
        state.saving -= 1;
        const last = state.latest[q.id] === entry;
        if (last) {
          delete state.pending[q.id];
          delete state.latest[q.id];
          delete state.errors[q.id];
        }
        received(state, form, last ? q.id : null);
      } catch (failure) {
        state.saving -= 1;
        const last = state.latest[q.id] === entry;
        const error = (failure && failure.error) || {vi: 'Lỗi', en: 'Error'};
        if (last) {
          delete state.pending[q.id];
          delete state.latest[q.id];
          // Refused (422): said beside the field, the text kept to correct; the focus stays where it is.
          state.errors[q.id] = {error, text};
        }
        if (failure && failure.status !== 422) state.failure = error;
        draw(state);
      }
    });
    return state.queue;
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

  async function finalize(state, button) {
    button.disabled = true;
    // What was typed a moment ago, or signed, is saved first: finalize judges the record as it shows.
    await flush(state);
    state.queue = state.queue.then(async () => {
      try {
        const form = await FC.api('POST', path(state, 'finalize'), {});  // every POST is JSON (API.md)
        button.disabled = false;
        state.summary = false;
        state.finalizeFailure = null;
        state.done = form.number || state.ref;
        state.doneView = null;
        received(state, form, null);
        const panel = document.getElementById('finalized');
        if (panel) {
          panel.scrollIntoView({block: 'start'});
          panel.focus({preventScroll: true});
        }
      } catch (failure) {
        button.disabled = false;
        const body = failure && failure.body;
        if (failure && failure.status === 422 && body && body.form) state.form = body.form;
        state.summary = true;
        state.announceSummary = true;
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

  /// Puts the person back where they left off: scrolls to the first question not answered yet
  /// (unless it is in view already). The focus stays where the page put it (its heading, for
  /// screen readers).
  function resume(state) {
    for (const section of state.form.sections || []) {
      for (const q of section.questions || []) {
        if (isAnswered(q)) continue;
        const wrapper = document.getElementById(`q-${q.id}`);
        if (!wrapper) return;
        const box = wrapper.getBoundingClientRect();
        if (box.top < 0 || box.bottom > window.innerHeight) wrapper.scrollIntoView({block: 'center'});
        return;
      }
    }
  }
})(window.FC);
