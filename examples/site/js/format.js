// Vietnamese dates and numbers, the same on every reader's machine.
const TIME_ZONE = "Asia/Ho_Chi_Minh";

const dayParts = new Intl.DateTimeFormat("vi-VN", {
  timeZone: TIME_ZONE,
  day: "2-digit",
  month: "2-digit",
  year: "numeric",
});

// "min2" groups from five digits: 1001 stays "1001" (as on the legacy site), 12345
// becomes "12.345".
const count = new Intl.NumberFormat("vi-VN", { useGrouping: "min2" });

/** "22/04/2020": the calendar day in Vietnam of an RFC 3339 timestamp. */
export function formatDate(timestamp) {
  const parts = Object.fromEntries(
    dayParts.formatToParts(new Date(timestamp)).map((part) => [part.type, part.value]),
  );
  return `${parts.day}/${parts.month}/${parts.year}`;
}

export function formatCount(n) {
  return count.format(n);
}
