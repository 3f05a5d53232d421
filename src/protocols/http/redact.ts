/** Query parameters that carry secrets or signatures; never logged. */
const SECRET_PARAMS = /^(x-amz-signature|x-amz-security-token|x-amz-credential|signature|awsaccesskeyid)$/i;

/** A URL fit for logs: secret query values replaced by '***'. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const name = safeDecode(pair.split('=')[0] ?? '');
      return SECRET_PARAMS.test(name) ? `${pair.split('=')[0]}=***` : pair;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
