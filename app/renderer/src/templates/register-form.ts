// The register dialog's form: each field checked by the same shared validators as main, so a bad
// value is shown beside its field before anything is sent (and no task starts).
import type { Hypervisor } from '../../../shared/domain/host.js';
import { parseChecksum, validateDownloadUrl } from '../../../shared/validation/download-source.js';
import {
  validateTemplateName,
  validateTemplateOs,
  type RegisterRequest,
  type TemplateFormat,
} from '../../../shared/validation/url-template.js';
import {
  checkHeaderRows,
  foundErrors,
  problem,
  type FormErrors,
  type HeaderRow,
} from '../common/form-checks.js';

export interface RegisterForm {
  name: string;
  url: string;
  format: TemplateFormat;
  checksum: string;
  os: string;
  hypervisor: Hypervisor;
  headers: HeaderRow[];
  directDownload: boolean;
  /** An uploaded client certificate for servers requiring one; '' for none. */
  clientCertificate: string;
}

export const EMPTY_REGISTER_FORM: RegisterForm = {
  name: '',
  url: '',
  format: 'qcow2',
  checksum: '',
  os: '',
  hypervisor: 'kvm',
  headers: [],
  directDownload: true,
  clientCertificate: '',
};

/** Field errors: `name`, `url`, `checksum`, `os`, and `header-N` for the Nth header row. */
export type RegisterErrors = FormErrors;

export type CheckedRegisterForm =
  { ok: true; request: RegisterRequest } | { ok: false; errors: RegisterErrors };

/** Empty optional fields are left out; blank header rows are ignored. */
export function checkRegisterForm(form: RegisterForm): CheckedRegisterForm {
  const name = form.name.trim();
  const url = form.url.trim();
  const checksum = form.checksum.trim();
  const os = form.os.trim();
  const headers = checkHeaderRows(form.headers);
  const found = foundErrors({
    name: problem(() => validateTemplateName(name)),
    url: problem(() => validateDownloadUrl(url)),
    checksum: checksum ? problem(() => parseChecksum(checksum)) : undefined,
    os: os ? problem(() => validateTemplateOs(os)) : undefined,
    ...headers.errors,
  });
  if (Object.keys(found).length > 0) return { ok: false, errors: found };
  return {
    ok: true,
    request: {
      name,
      url,
      format: form.format,
      ...(checksum ? { checksum } : {}),
      ...(os ? { os } : {}),
      hypervisor: form.hypervisor,
      ...(headers.headers.length ? { headers: headers.headers } : {}),
      directDownload: form.directDownload,
      ...(form.clientCertificate ? { clientCertificate: form.clientCertificate } : {}),
    },
  };
}
