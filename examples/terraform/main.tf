# The deploy step: an Auto Scaling group launching the newest good kiln image. The AMI comes
# from `kiln images --json` (kiln-image.sh, through the external data source) unless image_id is
# set; kiln's rollback (onBadImage.command) runs `terraform apply -var image_id=<previous image>`.

data "external" "image" {
  program = ["bash", "${path.module}/kiln-image.sh"]
  query = {
    image_name = var.image_name
  }
}

locals {
  image_id = var.image_id != "" ? var.image_id : data.external.image.result.image_id
}

resource "aws_launch_template" "this" {
  name_prefix   = "${var.name}-"
  image_id      = local.image_id
  instance_type = var.instance_type

  iam_instance_profile {
    arn = aws_iam_instance_profile.agent.arn
  }

  # IMDSv2 only: the agent reads its identity document and termination notices with a token.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "enabled"
  }

  # No credential in user-data: the collector URL and, at most, an SSM parameter NAME.
  user_data = base64encode(templatefile("${path.module}/user-data.sh.tftpl", {
    collector_url              = var.collector_url
    enrollment_token_parameter = var.enrollment_token_parameter
  }))

  tag_specifications {
    resource_type = "instance"
    tags = {
      Name        = var.name
      "kiln:role" = var.name
    }
  }
}

resource "aws_autoscaling_group" "this" {
  name                = var.name
  min_size            = var.min_size
  max_size            = var.max_size
  desired_capacity    = var.desired_capacity
  vpc_zone_identifier = var.subnet_ids

  launch_template {
    id      = aws_launch_template.this.id
    version = aws_launch_template.this.latest_version
  }

  # kiln replaces instances itself (policies) and points the group back on a bad image: a
  # running instance refresh would roll forward while kiln rolls back.
  lifecycle {
    ignore_changes = [desired_capacity]
  }

  initial_lifecycle_hook {
    name                 = "kiln-drain"
    lifecycle_transition = "autoscaling:EC2_INSTANCE_TERMINATING"
    default_result       = "CONTINUE"
    heartbeat_timeout    = 120
  }
}
