/**
 * The AWS-managed job templates Ferry ships (ListManagedJobTemplates,
 * DescribeManagedJobTemplate): the remote actions whose documents the AWS IoT
 * Device Client — and `ferry agent` — carry out, in the Device Client's job
 * document schema (version, steps, action.type runHandler, input.handler,
 * args, path, runAsUser). Each document names its values as
 * `${aws:iot:parameter:NAME}`, filled from CreateJob's documentParameters
 * (parameters.ts). Their ARNs have no account: `arn:aws:iot:R::jobtemplate/NAME:VERSION`.
 */

export interface DocumentParameter {
  key: string;
  description: string;
  /** The whole value must match (AWS's `regex`). */
  regex: string;
  example: string;
  optional: boolean;
}

export interface ManagedTemplate {
  templateName: string;
  templateVersion: string;
  description: string;
  environments: string[];
  documentParameters: DocumentParameter[];
  /** The document's text, placeholders unfilled. */
  document: string;
}

const RUN_AS_USER: DocumentParameter = {
  key: 'runAsUser',
  description: 'The user the handler runs as (the device must allow it); the agent\'s own user when empty.',
  regex: '(.){0,256}',
  example: 'user1',
  optional: true,
};

const PATH_TO_HANDLER: DocumentParameter = {
  key: 'pathToHandler',
  description: 'The directory of the handler on the device (it must be the device\'s handler directory or inside it); the default handler directory when empty.',
  regex: '(.){0,4096}',
  example: '/path/to/handler/directory',
  optional: true,
};

/** One runHandler step whose handler, args, path and user come from the document's parameters. */
function handlerDocument(stepName: string, handler: string, args: string[]): string {
  return JSON.stringify({
    version: '1.0',
    steps: [
      {
        action: {
          name: stepName,
          type: 'runHandler',
          input: { handler, args: args.map((a) => `\${aws:iot:parameter:${a}}`), path: '${aws:iot:parameter:pathToHandler}' },
          runAsUser: '${aws:iot:parameter:runAsUser}',
        },
      },
    ],
  });
}

const packages = (verb: string): DocumentParameter => ({
  key: 'packages',
  description: `Space-separated names of the packages to ${verb}.`,
  regex: '[A-Za-z0-9._+:@~ -]{1,1024}',
  example: 'nginx',
  optional: false,
});

const services = (verb: string): DocumentParameter => ({
  key: 'services',
  description: `Space-separated names of the services to ${verb}.`,
  regex: '[A-Za-z0-9._@:-][A-Za-z0-9._@: -]{0,1023}',
  example: 'nginx',
  optional: false,
});

function applicationTemplate(name: string, action: string, handler: string, parameter: DocumentParameter): ManagedTemplate {
  return {
    templateName: name,
    templateVersion: '1.0',
    description: `A managed job template for ${action} on the device.`,
    environments: ['LINUX'],
    documentParameters: [parameter, RUN_AS_USER, PATH_TO_HANDLER],
    document: handlerDocument(name.replace(/^AWS-/, ''), handler, [parameter.key]),
  };
}

export const MANAGED_TEMPLATES: readonly ManagedTemplate[] = [
  {
    templateName: 'AWS-Download-File',
    templateVersion: '1.0',
    description: 'A managed job template for downloading a file.',
    environments: ['LINUX'],
    documentParameters: [
      {
        key: 'downloadUrl',
        description: 'The URL of the file to download (it may be a ${aws:iot:s3-presigned-url:…} placeholder, signed afresh for each delivery).',
        regex: '[^\\s]{1,2048}',
        example: 'https://s3.amazonaws.com/my-bucket/my-file.txt',
        optional: false,
      },
      {
        key: 'filePath',
        description: 'The path on the device where the downloaded file is written.',
        regex: '(.){1,4096}',
        example: '/path/to/file',
        optional: false,
      },
      RUN_AS_USER,
      PATH_TO_HANDLER,
    ],
    document: handlerDocument('Download-File', 'download-file.sh', ['downloadUrl', 'filePath']),
  },
  {
    templateName: 'AWS-Reboot',
    templateVersion: '1.0',
    description: 'A managed job template for rebooting the device.',
    environments: ['LINUX'],
    documentParameters: [RUN_AS_USER, PATH_TO_HANDLER],
    document: handlerDocument('Reboot', 'reboot.sh', []),
  },
  applicationTemplate('AWS-Install-Application', 'installing applications', 'install-packages.sh', packages('install')),
  applicationTemplate('AWS-Remove-Application', 'removing applications', 'remove-packages.sh', packages('remove')),
  applicationTemplate('AWS-Start-Application', 'starting services', 'start-services.sh', services('start')),
  applicationTemplate('AWS-Stop-Application', 'stopping services', 'stop-services.sh', services('stop')),
  applicationTemplate('AWS-Restart-Application', 'restarting services', 'restart-services.sh', services('restart')),
];

/** A managed template by name and version (the newest when no version is given). */
export function findManagedTemplate(name: string, version?: string): ManagedTemplate | undefined {
  const versions = MANAGED_TEMPLATES.filter((t) => t.templateName === name && (version === undefined || t.templateVersion === version));
  return versions.sort((a, b) => compareVersions(b.templateVersion, a.templateVersion))[0];
}

function compareVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
}

/** `arn:aws:iot:R::jobtemplate/NAME:VERSION` — managed templates belong to no account. */
export const managedTemplateArn = (region: string, t: Pick<ManagedTemplate, 'templateName' | 'templateVersion'>): string =>
  `arn:aws:iot:${region}::jobtemplate/${t.templateName}:${t.templateVersion}`;

const MANAGED_ARN = /^arn:aws:iot:([^:]*)::jobtemplate\/([A-Za-z0-9_-]+)(?::([1-9][0-9]*\.[0-9]+))?$/;

/** The managed template a managed-template ARN names; undefined when the ARN is not one. */
export function parseManagedTemplateArn(arn: string): { region: string; name: string; version?: string } | undefined {
  const m = MANAGED_ARN.exec(arn);
  if (!m) return undefined;
  return { region: m[1]!, name: m[2]!, ...(m[3] !== undefined ? { version: m[3] } : {}) };
}
