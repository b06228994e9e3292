# The instance profile the agent needs: nothing. It proves who it is with the identity document
# IMDS serves (no AWS permission is involved) and reads termination notices from IMDS. Only
# when enrollment_token_parameter is set may it read that one SSM parameter.

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "agent" {
  name_prefix        = "${var.name}-kiln-agent-"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "token_parameter" {
  count = var.enrollment_token_parameter == "" ? 0 : 1
  statement {
    actions   = ["ssm:GetParameter"]
    resources = ["arn:aws:ssm:${var.region}:*:parameter/${trimprefix(var.enrollment_token_parameter, "/")}"]
  }
}

resource "aws_iam_role_policy" "token_parameter" {
  count  = var.enrollment_token_parameter == "" ? 0 : 1
  name   = "kiln-enrollment-token-parameter"
  role   = aws_iam_role.agent.id
  policy = data.aws_iam_policy_document.token_parameter[0].json
}

resource "aws_iam_instance_profile" "agent" {
  name_prefix = "${var.name}-kiln-agent-"
  role        = aws_iam_role.agent.name
}
