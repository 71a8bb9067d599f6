/**
 * sheets-funnel: the "Funnel" menu of a Google Sheets pipeline.
 *
 * Funnel → Refresh now asks the team's sheets-funnel refresh service to recompute the
 * Funnel, Focus and History tabs of this spreadsheet, and shows the result as a toast.
 * The service's address and its shared secret are kept in Script Properties
 * (Extensions → Apps Script → Project Settings → Script Properties), never in this code:
 *
 *   FUNNEL_SERVICE_URL   https://funnel.example.com   (must be https)
 *   FUNNEL_SECRET        the service's SHEETS_FUNNEL_SECRET
 *   FUNNEL_REFRESH_HOUR  optional: hour of the daily refresh, 0-23 (default 5)
 *
 * Set-up, step by step: docs/google-sheets-menu.md.
 */

var FUNNEL_URL_PROPERTY = 'FUNNEL_SERVICE_URL';
var FUNNEL_SECRET_PROPERTY = 'FUNNEL_SECRET';
var FUNNEL_HOUR_PROPERTY = 'FUNNEL_REFRESH_HOUR';
var FUNNEL_SHEET_PROPERTY = 'FUNNEL_SPREADSHEET_ID';
var FUNNEL_TRIGGER_HANDLER = 'nightlyRefresh';
var FUNNEL_DEFAULT_HOUR = 5;
var FUNNEL_TITLE = 'Funnel';

/** Adds the Funnel menu when the spreadsheet opens. */
function onOpen() {
  SpreadsheetApp.getUi()
    .createMenu(FUNNEL_TITLE)
    .addItem('Refresh now', 'refreshNow')
    .addSeparator()
    .addItem('Set up the refresh service…', 'setUpService')
    .addItem('Refresh every day', 'installDailyTrigger')
    .addItem('Stop the daily refresh', 'removeDailyTrigger')
    .addToUi();
}

/** Funnel → Refresh now: refreshes this spreadsheet and shows the outcome as a toast. */
function refreshNow() {
  var spreadsheet = SpreadsheetApp.getActiveSpreadsheet();
  spreadsheet.toast('Refreshing the funnel…', FUNNEL_TITLE, 30);
  var result = callRefreshService_(spreadsheet.getId());
  spreadsheet.toast(result.message, result.ok ? 'Funnel refreshed' : 'Funnel: refresh failed',
                    result.ok ? 10 : 30);
  return result;
}

/** The daily trigger's handler: refreshes the spreadsheet and logs the outcome. */
function nightlyRefresh() {
  var spreadsheet = SpreadsheetApp.getActiveSpreadsheet();
  var id = spreadsheet ? spreadsheet.getId()
                       : PropertiesService.getScriptProperties().getProperty(FUNNEL_SHEET_PROPERTY);
  var result = callRefreshService_(id);
  Logger.log((result.ok ? 'Funnel refreshed: ' : 'Funnel refresh failed: ') + result.message);
  return result;
}

/**
 * Asks the refresh service to refresh one spreadsheet.
 * Returns {ok: boolean, status: HTTP status or 0, message: text for a person}.
 */
function callRefreshService_(spreadsheetId) {
  var properties = PropertiesService.getScriptProperties();
  var url = (properties.getProperty(FUNNEL_URL_PROPERTY) || '').trim();
  var secret = (properties.getProperty(FUNNEL_SECRET_PROPERTY) || '').trim();
  if (!url || !secret) {
    return {ok: false, status: 0, message: 'The refresh service is not set up: add ' +
        FUNNEL_URL_PROPERTY + ' and ' + FUNNEL_SECRET_PROPERTY + ' in Extensions → Apps ' +
        'Script → Project Settings → Script Properties, or use Funnel → Set up the refresh ' +
        'service.'};
  }
  if (url.indexOf('https://') !== 0) {
    return {ok: false, status: 0, message: FUNNEL_URL_PROPERTY + ' must start with https:// ' +
        'so the secret is never sent in the clear.'};
  }
  var response;
  try {
    response = UrlFetchApp.fetch(url.replace(/\/+$/, '') + '/refresh', {
      method: 'post',
      contentType: 'application/json',
      headers: {'X-Funnel-Secret': secret},
      payload: JSON.stringify({spreadsheet: spreadsheetId}),
      muteHttpExceptions: true,
      followRedirects: false
    });
  } catch (error) {
    return {ok: false, status: 0,
            message: 'Could not reach the refresh service: ' + errorText_(error)};
  }
  var status = response.getResponseCode();
  var body = parseJson_(response.getContentText());
  var message = body && typeof body.message === 'string' ? body.message : '';
  if (status === 200) {
    return {ok: true, status: status, message: message || 'The funnel is up to date.'};
  }
  return {ok: false, status: status,
          message: message || 'The refresh service answered HTTP ' + status + '.'};
}

/** Funnel → Set up the refresh service: asks for the address and the secret. */
function setUpService() {
  var ui = SpreadsheetApp.getUi();
  var properties = PropertiesService.getScriptProperties();
  var address = ui.prompt(FUNNEL_TITLE, 'Address of the refresh service (https://…):',
                          ui.ButtonSet.OK_CANCEL);
  if (address.getSelectedButton() !== ui.Button.OK) {
    return;
  }
  var secret = ui.prompt(FUNNEL_TITLE, 'Shared secret of the refresh service:',
                         ui.ButtonSet.OK_CANCEL);
  if (secret.getSelectedButton() !== ui.Button.OK) {
    return;
  }
  properties.setProperty(FUNNEL_URL_PROPERTY, address.getResponseText().trim());
  properties.setProperty(FUNNEL_SECRET_PROPERTY, secret.getResponseText().trim());
  SpreadsheetApp.getActiveSpreadsheet().toast('Saved. Try Funnel → Refresh now.',
                                              FUNNEL_TITLE, 10);
}

/** Funnel → Refresh every day: one time-driven trigger, replacing any earlier one. */
function installDailyTrigger() {
  var properties = PropertiesService.getScriptProperties();
  var hour = parseInt(properties.getProperty(FUNNEL_HOUR_PROPERTY), 10);
  if (isNaN(hour) || hour < 0 || hour > 23) {
    hour = FUNNEL_DEFAULT_HOUR;
  }
  removeTriggers_();
  var spreadsheet = SpreadsheetApp.getActiveSpreadsheet();
  properties.setProperty(FUNNEL_SHEET_PROPERTY, spreadsheet.getId());
  ScriptApp.newTrigger(FUNNEL_TRIGGER_HANDLER).timeBased().everyDays(1).atHour(hour).create();
  spreadsheet.toast('The funnel will be refreshed every day around ' + hour + ':00.',
                    FUNNEL_TITLE, 10);
}

/** Funnel → Stop the daily refresh. */
function removeDailyTrigger() {
  var removed = removeTriggers_();
  SpreadsheetApp.getActiveSpreadsheet().toast(
      removed ? 'The daily refresh is off.' : 'There was no daily refresh.', FUNNEL_TITLE, 10);
}

function removeTriggers_() {
  var removed = 0;
  ScriptApp.getProjectTriggers().forEach(function (trigger) {
    if (trigger.getHandlerFunction() === FUNNEL_TRIGGER_HANDLER) {
      ScriptApp.deleteTrigger(trigger);
      removed += 1;
    }
  });
  return removed;
}

function parseJson_(text) {
  try {
    return JSON.parse(text);
  } catch (error) {
    return null;
  }
}

function errorText_(error) {
  return error && error.message ? error.message : String(error);
}
