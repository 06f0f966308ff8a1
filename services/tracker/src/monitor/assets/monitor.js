// specdoc web monitor: live updates over server-sent events. The pages work without it (they
// are rendered on the server); this only keeps them current without a reload.
(function () {
  'use strict';
  if (!window.EventSource) return;

  // The overview: the server sends the whole live region, already rendered and escaped.
  var overview = document.querySelector('[data-overview-events]');
  if (overview) {
    var feed = new EventSource(overview.getAttribute('data-overview-events'));
    feed.addEventListener('overview', function (e) { overview.innerHTML = e.data; });
  }

  // A job: append each step to the timeline and update the facts; when the job ends, fetch
  // the final facts and results.
  var timeline = document.querySelector('[data-job-events]');
  if (!timeline) return;
  var panel = document.getElementById('panel');
  var steps = new EventSource(timeline.getAttribute('data-job-events'));

  function span(cls, text) {
    var s = document.createElement('span');
    s.className = cls;
    s.textContent = text;
    return s;
  }
  function setText(id, text) {
    var el = document.getElementById(id);
    if (el) el.textContent = text;
  }

  // Replaces an element's content with the server's fresh rendering of it.
  function refill(el, attribute) {
    if (!el) return;
    fetch(el.getAttribute(attribute), { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { el.innerHTML = html; })
      .catch(function () { /* what is shown stays; a reload shows the rest */ });
  }

  steps.addEventListener('step', function (e) {
    var ev = JSON.parse(e.data);
    var li = document.createElement('li');
    li.className = 'ev ev-' + ev.status;
    var t = document.createElement('time');
    t.textContent = ev.time;
    li.append(t, ' ', span('step', ev.step), ' ', span('status', ev.status), ' ', span('msg', ev.message));
    if (ev.attempt > 0) li.append(' ', span('muted', 'attempt ' + ev.attempt));
    timeline.appendChild(li);

    var state = document.getElementById('state');
    if (state) {
      state.textContent = '';
      state.appendChild(span('badge st-' + ev.state, ev.state));
    }
    var progress = document.getElementById('progress');
    if (progress) progress.value = ev.progress;
    setText('progress-text', ev.progress + '%');
    setText('eta', ev.terminal ? '–' : (ev.eta || 'unknown'));

    if (ev.terminal) {
      steps.close();
      refill(panel, 'data-panel');
      refill(document.getElementById('results'), 'data-results');
    }
  });
})();
