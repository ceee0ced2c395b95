import type { JsonAction, ServiceName, XmlAction } from '../context.js';
import type { WireProtocol } from '../wire/render.js';
import { AUTOSCALING_XMLNS, autoScalingActions } from './autoscaling.js';
import { autoScalingRefreshActions } from './autoscaling-refresh.js';
import { cloudWatchActions } from './cloudwatch.js';
import { ec2AccountActions } from './ec2-account.js';
import { ec2ImageActions } from './ec2-images.js';
import { ec2InstanceActions } from './ec2-instances.js';
import { ec2ModifyActions } from './ec2-modify.js';
import { ec2TemplateWriteActions } from './ec2-template-writes.js';
import { ec2TemplateActions } from './ec2-templates.js';
import { organizationsActions } from './organizations.js';
import { organizationsPolicyActions } from './organizations-policies.js';
import { securityHubRoutes } from './securityhub.js';
import { sqsActions } from './sqs.js';
import { ssmActions } from './ssm.js';
import { STS_XMLNS, stsActions } from './sts.js';

export type ServiceDef =
  | { kind: 'xml'; protocol: WireProtocol; actions: Record<string, XmlAction> }
  | { kind: 'json'; protocol: WireProtocol; actions: Record<string, JsonAction> }
  | { kind: 'rest'; protocol: WireProtocol; routes: Record<string, { action: string; handler: JsonAction }> };

/** The services the emulator speaks, keyed by their SigV4 signing name. */
export const SERVICES: Record<ServiceName, ServiceDef> = {
  ec2: {
    kind: 'xml',
    protocol: { kind: 'ec2', xmlns: 'http://ec2.amazonaws.com/doc/2016-11-15/' },
    actions: {
      ...ec2InstanceActions,
      ...ec2ImageActions,
      ...ec2AccountActions,
      ...ec2ModifyActions,
      ...ec2TemplateActions,
      ...ec2TemplateWriteActions,
    },
  },
  sts: { kind: 'xml', protocol: { kind: 'query', xmlns: STS_XMLNS }, actions: stsActions },
  autoscaling: {
    kind: 'xml',
    protocol: { kind: 'query', xmlns: AUTOSCALING_XMLNS },
    actions: { ...autoScalingActions, ...autoScalingRefreshActions },
  },
  monitoring: {
    kind: 'json',
    protocol: { kind: 'json', version: '1.0', queryCompatible: true },
    actions: cloudWatchActions,
  },
  organizations: {
    kind: 'json',
    protocol: { kind: 'json', version: '1.1', queryCompatible: false },
    actions: { ...organizationsActions, ...organizationsPolicyActions },
  },
  ssm: {
    kind: 'json',
    protocol: { kind: 'json', version: '1.1', queryCompatible: false },
    actions: ssmActions,
  },
  sqs: {
    kind: 'json',
    protocol: { kind: 'json', version: '1.0', queryCompatible: true },
    actions: sqsActions,
  },
  securityhub: { kind: 'rest', protocol: { kind: 'rest-json' }, routes: securityHubRoutes },
};

export const isServiceName = (name: string): name is ServiceName => Object.hasOwn(SERVICES, name);
