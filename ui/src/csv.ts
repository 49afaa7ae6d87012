// Just enough CSV (RFC 4180) for the browser: the header row and a preview
// of a contacts file, and the per-row errors Herald returns.

/** Parses up to `maxRecords` records from `text`; a trailing partial record is dropped when `partial`. */
export function parseCsv(text: string, maxRecords = Infinity, partial = false): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let value = "";
  let quoted = false;
  let index = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; index < text.length && records.length < maxRecords; index++) {
    const char = text[index];
    if (quoted) {
      if (char === '"') {
        if (text[index + 1] === '"') {
          value += '"';
          index++;
        } else quoted = false;
      } else value += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      record.push(value);
      value = "";
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[index + 1] === "\n") index++;
      record.push(value);
      records.push(record);
      record = [];
      value = "";
    } else value += char;
  }
  if (!partial && records.length < maxRecords && (value !== "" || record.length)) {
    record.push(value);
    records.push(record);
  }
  return records;
}

/** The header and the first data rows of a CSV file, read from its first 64 KiB. */
export async function readCsvHead(file: Blob, rows = 3): Promise<{ header: string[]; preview: string[][] }> {
  const head = await file.slice(0, 64 * 1024).text();
  const complete = file.size <= 64 * 1024;
  const records = parseCsv(head, rows + 1, !complete);
  const [header = [], ...preview] = records;
  return { header: header.map((name) => name.trim()), preview };
}
