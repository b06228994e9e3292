/**
 * Maintenance windows in the operator's time zone, computed with Intl.DateTimeFormat so daylight
 * saving time is the platform's (ICU's) business, not ours.
 * https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Global_Objects/Intl/DateTimeFormat
 */
import type { MaintenanceWindow, Weekday } from './config.ts';

const dayNames: Record<string, Weekday> = {
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
  Sun: 'sun',
};
const order: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** The local weekday and minute of the day of `nowMs` in `timeZone`. */
export function localTime(nowMs: number, timeZone: string): { day: Weekday; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(nowMs);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: dayNames[get('weekday')] ?? 'mon', minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

/** True when `nowMs` falls inside the window. A window ending before it starts runs past midnight. */
export function insideWindow(window: MaintenanceWindow, nowMs: number): boolean {
  const { day, minute } = localTime(nowMs, window.timeZone);
  const { startMinute, endMinute, days } = window;
  if (startMinute < endMinute) return days.includes(day) && minute >= startMinute && minute < endMinute;
  // Past midnight: the early-morning part belongs to the window that opened the day before.
  if (minute >= startMinute) return days.includes(day);
  const yesterday = order[(order.indexOf(day) + 6) % 7]!;
  return minute < endMinute && days.includes(yesterday);
}

/** True when no windows are configured or `nowMs` is inside one of them. */
export function windowOpen(windows: readonly MaintenanceWindow[], nowMs: number): boolean {
  return windows.length === 0 || windows.some((w) => insideWindow(w, nowMs));
}
