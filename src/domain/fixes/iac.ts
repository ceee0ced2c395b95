/**
 * The code change that makes IMDSv2 stick: the infrastructure-as-code snippet for the resource as
 * the instance was launched, so the next deploy does not put IMDSv1 back (IaC drift). Field names:
 * Terraform AWS provider `metadata_options` (aws_instance, aws_launch_template: http_tokens,
 * http_put_response_hop_limit, http_endpoint); CloudFormation `MetadataOptions` of AWS::EC2::Instance
 * and of AWS::EC2::LaunchTemplate LaunchTemplateData (HttpTokens, HttpPutResponseHopLimit,
 * HttpEndpoint; https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-ec2-instance-metadataoptions.html);
 * CDK aws-cdk-lib/aws-ec2 `requireImdsv2` (Instance, LaunchTemplate) and `httpPutResponseHopLimit`.
 * Container hosts need a hop limit of at least 2 so containers reach IMDSv2 (EC2 User Guide,
 * "Instance metadata access considerations"); other hosts keep the hop limit they have. The snippets
 * carry no text from AWS or tags: names are placeholders. Pure.
 */

export type IacTool = 'terraform' | 'cloudformation' | 'cdk';

export interface LaunchedAs {
  /** the instance came from a launch template (aws:ec2launchtemplate:id tag) */
  fromTemplate: boolean;
  /** in an Auto Scaling group, an EKS node group or an ECS capacity provider */
  asg: string | null;
  containerHost: 'eks' | 'ecs' | null;
  hopLimit: number;
  tags: Readonly<Record<string, string>>;
}

export interface IacFix {
  tool: IacTool;
  /** the resource type the snippet changes */
  resource: string;
  snippet: string;
}

export interface FixAdvice {
  /** the tools the tags point at, most likely first; all three when the tags say nothing */
  fixes: IacFix[];
  hopLimit: number;
  /** what else to do for the change to reach the running instances, for people */
  rollout: string;
}

const TERRAFORM_HINT = /terraform/i;
const MANAGED_KEYS = /^(managed[-_ ]?by|provisioner|iac|created[-_ ]?by|tool)$/i;

/** Which IaC tool the tags point at: CloudFormation stamps its stack tag; Terraform users name it. */
export function iacToolsOf(tags: Readonly<Record<string, string>>): IacTool[] {
  if (Object.hasOwn(tags, 'aws:cloudformation:stack-name')) return ['cloudformation', 'cdk'];
  const terraform = Object.entries(tags).some(
    ([k, v]) => TERRAFORM_HINT.test(k) || (MANAGED_KEYS.test(k) && TERRAFORM_HINT.test(v)),
  );
  return terraform ? ['terraform'] : ['terraform', 'cloudformation', 'cdk'];
}

export const hopLimitFor = (l: Pick<LaunchedAs, 'containerHost' | 'hopLimit'>): number =>
  l.containerHost === null ? l.hopLimit : Math.max(2, l.hopLimit);

const terraform = (template: boolean, hop: number): IacFix => ({
  tool: 'terraform',
  resource: template ? 'aws_launch_template' : 'aws_instance',
  snippet: [
    `resource "${template ? 'aws_launch_template' : 'aws_instance'}" "this" {`,
    '  # ...',
    '  metadata_options {',
    '    http_endpoint               = "enabled"',
    '    http_tokens                 = "required"',
    `    http_put_response_hop_limit = ${hop}`,
    '  }',
    '}',
  ].join('\n'),
});

const cloudformation = (template: boolean, hop: number): IacFix => {
  const options = [
    'MetadataOptions:',
    '  HttpEndpoint: enabled',
    '  HttpTokens: required',
    `  HttpPutResponseHopLimit: ${hop}`,
  ];
  const indent = (n: number) => options.map((l) => `${' '.repeat(n)}${l}`);
  const body = template
    ? [
        'LaunchTemplate:',
        '  Type: AWS::EC2::LaunchTemplate',
        '  Properties:',
        '    LaunchTemplateData:',
        ...indent(6),
      ]
    : ['Instance:', '  Type: AWS::EC2::Instance', '  Properties:', ...indent(4)];
  return {
    tool: 'cloudformation',
    resource: template ? 'AWS::EC2::LaunchTemplate' : 'AWS::EC2::Instance',
    snippet: body.join('\n'),
  };
};

const cdk = (template: boolean, hop: number): IacFix => {
  const construct = template ? 'LaunchTemplate' : 'Instance';
  const props = ['  requireImdsv2: true,', ...(hop > 1 ? [`  httpPutResponseHopLimit: ${hop},`] : [])];
  return {
    tool: 'cdk',
    resource: `ec2.${construct}`,
    snippet: [`new ec2.${construct}(this, '${construct}', {`, '  // ...', ...props, '});'].join('\n'),
  };
};

const BUILDERS: Record<IacTool, (template: boolean, hop: number) => IacFix> = {
  terraform,
  cloudformation,
  cdk,
};

function rolloutOf(l: LaunchedAs): string {
  if (l.containerHost === 'eks' && l.asg !== null)
    return 'new launch template version, then update the EKS node group to it (the update replaces the nodes)';
  if (l.containerHost === 'ecs' && l.asg !== null)
    return 'new launch template version for the capacity provider group, then an instance refresh of the group';
  if (l.asg !== null) return 'new launch template version, then an instance refresh of the group';
  if (l.fromTemplate)
    return 'new launch template version, and modify this instance (a template change does not reach it)';
  return 'apply the change: it modifies the running instance without replacing it';
}

/** The snippets for the resource as launched, the hop limit they set and how the change reaches the fleet. */
export function fixAdvice(l: LaunchedAs): FixAdvice {
  const template = l.fromTemplate || l.asg !== null;
  const hop = hopLimitFor(l);
  return {
    fixes: iacToolsOf(l.tags).map((tool) => BUILDERS[tool](template, hop)),
    hopLimit: hop,
    rollout: rolloutOf(l),
  };
}
