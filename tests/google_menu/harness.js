// Runs templates/google/Code.gs under Node with stand-ins for the Apps Script services it uses,
// and prints what the script did as JSON.
//
// Input (stdin, JSON): {"script": PATH, "call": FUNCTION NAME, "properties": {...},
//   "spreadsheetId": ID or null (no active spreadsheet, as in a trigger),
//   "response": {"code": N, "body": TEXT} or {"throw": MESSAGE},
//   "prompts": [{"button": "OK"|"CANCEL", "text": TEXT}, ...],
//   "triggers": [HANDLER NAME, ...]  (installed before the call)}
// Output (stdout, JSON): {"returned", "fetches", "toasts", "menus", "logs", "properties",
//   "triggers", "deletedTriggers"}
'use strict';

const fs = require('fs');
const vm = require('vm');

const input = JSON.parse(fs.readFileSync(0, 'utf8'));
const record = {fetches: [], toasts: [], menus: [], logs: [], triggers: [], deletedTriggers: []};
const properties = Object.assign({}, input.properties || {});
const prompts = (input.prompts || []).slice();

const spreadsheet = input.spreadsheetId === null ? null : {
  getId: () => input.spreadsheetId || 'SHEET-ID-123',
  toast: (message, title, seconds) => record.toasts.push({message, title, seconds}),
};

const ui = {
  ButtonSet: {OK_CANCEL: 'OK_CANCEL'},
  Button: {OK: 'OK', CANCEL: 'CANCEL'},
  createMenu(title) {
    const menu = {title, items: []};
    record.menus.push(menu);
    const builder = {
      addItem(caption, handler) { menu.items.push([caption, handler]); return builder; },
      addSeparator() { menu.items.push(['---', null]); return builder; },
      addToUi() { menu.added = true; },
    };
    return builder;
  },
  prompt(title, text, buttons) {
    const answer = prompts.shift() || {button: 'CANCEL', text: ''};
    return {getSelectedButton: () => answer.button, getResponseText: () => answer.text};
  },
};

function makeTrigger(handler) {
  return {getHandlerFunction: () => handler};
}
const installed = (input.triggers || []).map(makeTrigger);

const context = {
  SpreadsheetApp: {getActiveSpreadsheet: () => spreadsheet, getUi: () => ui},
  PropertiesService: {
    getScriptProperties: () => ({
      getProperty: (key) => (key in properties ? properties[key] : null),
      setProperty: (key, value) => { properties[key] = value; },
    }),
  },
  UrlFetchApp: {
    fetch(url, options) {
      record.fetches.push({url, options});
      const response = input.response || {code: 200, body: '{}'};
      if (response.throw) {
        throw new Error(response.throw);
      }
      return {getResponseCode: () => response.code, getContentText: () => response.body};
    },
  },
  ScriptApp: {
    getProjectTriggers: () => installed.slice(),
    deleteTrigger(trigger) {
      record.deletedTriggers.push(trigger.getHandlerFunction());
      installed.splice(installed.indexOf(trigger), 1);
    },
    newTrigger(handler) {
      const spec = {handler};
      const builder = {
        timeBased() { spec.timeBased = true; return builder; },
        everyDays(n) { spec.everyDays = n; return builder; },
        atHour(h) { spec.atHour = h; return builder; },
        create() { record.triggers.push(spec); installed.push(makeTrigger(handler)); return spec; },
      };
      return builder;
    },
  },
  Logger: {log: (message) => record.logs.push(String(message))},
  JSON,
  String,
  parseInt,
  isNaN,
};
vm.createContext(context);
vm.runInContext(fs.readFileSync(input.script, 'utf8'), context, {filename: input.script});
const returned = context[input.call]();
process.stdout.write(JSON.stringify(Object.assign(
    {returned: returned === undefined ? null : returned, properties}, record)));
